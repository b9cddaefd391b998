/**
 * The QuickJS sandbox behind code.javascript, as a node sees it: set up once, called per
 * payload, closed at the end. The code itself runs in a worker thread (pool.ts,
 * quickjs-worker.mjs) that the host can end at any moment, so a time limit holds even inside a
 * built-in and the host's event loop keeps answering. This side turns the run's state into
 * JSON text and applies what comes back.
 */
import type { LogLevel, PluginContext, PortResult } from '../../src-shared/plugin-sdk'
import type { CallOutcome } from './code-common'
import { applyOutcome, CodeFailure, parseSandboxJson, stateInput, usedParts } from './code-common'
import type { CallAnswer, InstanceOptions } from './pool'
import { failureError, Instance, jsWorkerPool } from './pool'

export type JsSandboxOptions = InstanceOptions

export class JsSandbox {
  private readonly instance: Instance
  private readonly used: boolean[]

  private constructor(options: JsSandboxOptions) {
    this.instance = new Instance(options)
    this.used = usedParts(options.code, /\b(eval|arguments)\b/)
  }

  /** Compiles the code in a worker; a syntax error fails here, at set-up. */
  static async open(options: JsSandboxOptions): Promise<JsSandbox> {
    const sandbox = new JsSandbox(options)
    try {
      await jsWorkerPool().open(sandbox.instance)
    } catch (error) {
      sandbox.close()
      throw error
    }
    return sandbox
  }

  /** Runs the code once; synchronous when the worker answers quickly, as most calls do. */
  call(ctx: PluginContext, payload: unknown): PortResult[] | Promise<PortResult[]> {
    const input = stateInput(ctx, payload, this.used)
    const answer = jsWorkerPool().call(this.instance, input, ctx.signal)
    if (answer instanceof Promise) return answer.then((settled) => finish(settled, ctx))
    return finish(answer, ctx)
  }

  close(): void {
    jsWorkerPool().close(this.instance)
  }
}

function finish(answer: CallAnswer, ctx: PluginContext): PortResult[] {
  const { logs } = answer
  for (let i = 0; i + 1 < logs.length; i += 2) ctx.log(logs[i] as LogLevel, logs[i + 1]!)
  if (answer.failure) throw failureError(answer.failure)
  let outcome: CallOutcome
  try {
    outcome = parseSandboxJson(answer.output!) as CallOutcome
  } catch (error) {
    throw new CodeFailure(
      'invalid-result',
      `The sandbox sent back something that is not JSON: ${(error as Error).message}`,
    )
  }
  return applyOutcome(outcome, ctx)
}
