/** The errors a run distinguishes: bad input, a node's failure with a code, cancellation. */

/** Bad input to a run (not a flow failure): the CLI maps it to exit code 2. */
export class RunInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunInputError'
  }
}

/** An error with a stable code, thrown by plugins and the engine. */
export class NodeFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
    this.name = 'NodeFailure'
  }
}

export class RunCancelled extends Error {
  constructor() {
    super('The run was cancelled')
  }
}

export function errorCode(error: unknown): string {
  if (
    error &&
    typeof error === 'object' &&
    typeof (error as { code?: unknown }).code === 'string'
  ) {
    return (error as { code: string }).code
  }
  return 'error'
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message
  return typeof error === 'string' ? error : JSON.stringify(error)
}
