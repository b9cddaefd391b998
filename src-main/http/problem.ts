/** An answer the client caused (or a refusal): its status and a message safe to show. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    /** Stable, for clients that branch on it: `forbidden-host`, `body-too-large`, … */
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'HttpProblem'
  }
}

const CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  410: 'gone',
  413: 'body-too-large',
  415: 'unsupported-media-type',
  503: 'unavailable',
}

export function problem(status: number, message: string, code = CODES[status] ?? 'error') {
  return new HttpProblem(status, code, message)
}
