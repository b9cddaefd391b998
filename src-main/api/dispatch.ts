import { contract, isMethodName } from '../../src-shared/api/contract'
import type { MethodInput, MethodName, MethodOutput } from '../../src-shared/api/contract'
import { ApiFailure, fail, ok } from '../../src-shared/api/result'
import type { Result } from '../../src-shared/api/result'

/** One implementation of the contract: a handler per method. */
export type ApiHandlers = {
  [M in MethodName]: (
    input: NonNullable<MethodInput<M>> | undefined,
  ) => MethodOutput<M> | Promise<MethodOutput<M>>
}

/**
 * Validates the argument against the contract, runs the handler and wraps the outcome as a
 * Result. Both adapters (IPC and HTTP) go through here, so they behave the same.
 */
export async function dispatch(
  handlers: ApiHandlers,
  method: string,
  arg: unknown,
): Promise<Result<unknown>> {
  if (!isMethodName(method)) return fail('unknown-method', `Unknown API method "${method}"`)
  const parsed = contract[method].input.safeParse(arg === null ? undefined : arg)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? ` at "${issue.path.join('.')}"` : ''
    return fail(
      'bad-argument',
      `Invalid argument for ${method}${where}: ${issue?.message ?? 'invalid'}`,
      parsed.error.issues,
    )
  }
  try {
    const handler = handlers[method] as (input: unknown) => unknown
    return ok(await handler(parsed.data))
  } catch (error) {
    if (error instanceof ApiFailure) return fail(error.code, error.message, error.details)
    const message = error instanceof Error ? error.message : String(error)
    return fail('internal', message)
  }
}
