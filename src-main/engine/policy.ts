/**
 * Invocation policy (design §4): `retry` and `timeoutMs` per node, and cancellation. Only
 * nodes that have a policy, or plugins that return a promise, come here; the common
 * synchronous node never allocates a promise.
 */
import type { PluginAction, RunResult } from '../../src-shared/plugin-sdk'
import { checkResults } from './deliveries'
import { errorMessage, NodeFailure, RunCancelled } from './errors'
import type { NodeContext } from './node-context'
import type { PlanNode } from './plan'

export const NEVER_ABORTED = new AbortController().signal

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled())
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new RunCancelled())
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

export function isThenable(value: unknown): value is Promise<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Promise<unknown>).then === 'function'
  )
}

/** Stops waiting for a plugin that ignores the abort signal once the run is cancelled. */
export function untilCancelled<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal === NEVER_ABORTED) return promise
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(new RunCancelled())
    const onAbort = () => reject(new RunCancelled())
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

function withTimeout(
  action: PluginAction,
  payload: unknown,
  context: NodeContext,
  config: unknown,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<RunResult> {
  const controller = new AbortController()
  const onRunAbort = () => controller.abort(signal.reason)
  signal.addEventListener('abort', onRunAbort, { once: true })
  context.signal = controller.signal
  return new Promise<RunResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      controller.abort(new NodeFailure('timeout', `Timed out after ${timeoutMs} ms`))
      reject(new NodeFailure('timeout', `Node "${context.nodeId}" timed out after ${timeoutMs} ms`))
    }, timeoutMs)
    Promise.resolve()
      .then(() => action.run(payload, context, config as Record<string, unknown>))
      .then(resolve, reject)
      .finally(() => {
        clearTimeout(timer)
        signal.removeEventListener('abort', onRunAbort)
      })
  })
}

/** Runs a node with retries (exponential backoff) and a time limit per attempt. */
export async function invokeWithPolicy(
  node: PlanNode,
  action: PluginAction,
  context: NodeContext,
  value: unknown,
  signal: AbortSignal,
): Promise<RunResult> {
  const { retry, timeoutMs } = node.loaded.node
  const maxAttempts = retry?.maxAttempts ?? 1
  const backoffMs = retry?.backoffMs ?? 0
  const record = context.record!
  for (let attempt = 1; ; attempt++) {
    record.attempts = attempt
    context.payload = value
    context.payloadCopied = false
    try {
      let outcome = timeoutMs
        ? await withTimeout(action, value, context, node.config, timeoutMs, signal)
        : action.run(value, context, node.config)
      if (isThenable(outcome)) outcome = await untilCancelled(outcome as Promise<RunResult>, signal)
      // An invalid result counts as a failed attempt, like a thrown error.
      return checkResults(outcome as RunResult, node)
    } catch (error) {
      if (error instanceof RunCancelled || signal.aborted) throw new RunCancelled()
      if (attempt >= maxAttempts) throw error
      const wait = backoffMs * 2 ** (attempt - 1)
      context.log(
        'warn',
        `Attempt ${attempt} of ${maxAttempts} failed (${errorMessage(error)}); retrying in ${wait} ms`,
      )
      if (wait > 0) await sleep(wait, signal)
    } finally {
      context.signal = signal
    }
  }
}
