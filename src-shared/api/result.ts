/** Every API call answers with a Result, so the renderer shows errors instead of swallowing them (Signal's wrapResult). */
export interface ApiError {
  code: string
  message: string
  details?: unknown
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError }

export function ok<T>(value: T): Result<T> {
  return { ok: true, value }
}

export function fail(
  code: string,
  message: string,
  details?: unknown,
): { ok: false; error: ApiError } {
  return details === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message, details } }
}

/** An error a handler throws on purpose: its code and message reach the caller unchanged. */
export class ApiFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message)
    this.name = 'ApiFailure'
  }
}
