/**
 * The QuickJS sandbox behind code.javascript. User code runs in QuickJS compiled to
 * WebAssembly: it has only the ECMAScript built-ins, plus `emit` and `console`. No module
 * loader is installed, so `import()` fails; there is no `require`, `process`, `fetch` or timer.
 *
 * Memory: QuickJS's own accounting in this build does not see realloc'd sizes (a growing array
 * went to 2 GB under a 64 MB `setMemoryLimit`), so each sandbox gets a WebAssembly instance of
 * its own and the interrupt handler watches that instance's linear memory. Instances are pooled:
 * creating one costs a few milliseconds, a context well under one.
 */
import { newQuickJSWASMModule } from 'quickjs-emscripten'
import type {
  QuickJSContext,
  QuickJSHandle,
  QuickJSRuntime,
  QuickJSWASMModule,
} from 'quickjs-emscripten'
import type { LogLevel, PluginContext, PortResult } from '../../src-shared/plugin-sdk'
import type { CallOutcome } from './code-common'
import {
  applyOutcome,
  CodeFailure,
  LogBudget,
  parseSandboxJson,
  stateInput,
  usedParts,
} from './code-common'

const MB = 1024 * 1024
/** Well below what the host's native stack allows for QuickJS frames (1 MB crashed the host). */
const MAX_STACK_BYTES = 256 * 1024
const MAX_IDLE_SLOTS = 4
/** An instance whose memory grew past this goes back to the system instead of the pool. */
const POOL_MAX_BYTES = 48 * MB
const FILENAME = 'code.js'
/** The wrapper puts one line before the user's first line. */
const LINE_OFFSET = 1
/** Jobs run per batch while settling an async result, so the deadline is checked in between. */
const JOB_BATCH = 64

/** One WebAssembly instance of QuickJS with one runtime, used by one sandbox at a time. */
interface Slot {
  module: QuickJSWASMModule
  memory: WebAssembly.Memory
  runtime: QuickJSRuntime
}

const idleSlots: Slot[] = []

async function acquireSlot(): Promise<Slot> {
  const idle = idleSlots.pop()
  if (idle) return idle
  const module = await newQuickJSWASMModule()
  const runtime = module.newRuntime()
  runtime.setMaxStackSize(MAX_STACK_BYTES)
  return { module, memory: module.getWasmMemory(), runtime }
}

function releaseSlot(slot: Slot, reusable: boolean): void {
  try {
    slot.runtime.removeInterruptHandler()
    // Leftover jobs would run during the next owner's calls; memory that grew stays committed.
    if (
      reusable &&
      !slot.runtime.hasPendingJob() &&
      slot.memory.buffer.byteLength <= POOL_MAX_BYTES &&
      idleSlots.length < MAX_IDLE_SLOTS
    ) {
      idleSlots.push(slot)
      return
    }
    slot.runtime.dispose()
  } catch {
    // A runtime that failed mid-call may not dispose cleanly; the instance is dropped anyway.
  }
}

/**
 * Runs inside QuickJS once per context. It keeps its own references to JSON and friends, so
 * user code that replaces globals only breaks its own results, which the host checks anyway.
 */
const HARNESS = `(function (portsText, hostLog) {
  'use strict'
  const parse = JSON.parse
  const stringify = JSON.stringify
  const split = Function.prototype.call.bind(String.prototype.split)
  const then = Function.prototype.call.bind(Promise.prototype.then)
  const push = Function.prototype.call.bind(Array.prototype.push)
  const join = Function.prototype.call.bind(Array.prototype.join)
  const PromiseType = Promise
  const ErrorType = Error
  const ports = parse(portsText)
  const allowed = new Set(ports)
  const NAMES = ['event', 'profile', 'session', 'flow', 'node']
  let emits = []
  let pending = null

  function format(value) {
    if (typeof value === 'string') return value
    const type = typeof value
    if (value === undefined || type === 'function' || type === 'symbol' || type === 'bigint') {
      return String(value)
    }
    if (value instanceof ErrorType) return value.name + ': ' + value.message
    try {
      const text = stringify(value)
      return text === undefined ? String(value) : text
    } catch (error) {
      return String(value)
    }
  }
  function logger(level) {
    return function () {
      const parts = []
      for (let i = 0; i < arguments.length; i++) push(parts, format(arguments[i]))
      hostLog(level, join(parts, ' '))
    }
  }
  const console = Object.freeze({
    log: logger('info'),
    info: logger('info'),
    debug: logger('debug'),
    warn: logger('warn'),
    error: logger('error'),
  })
  function emit(port, value) {
    if (typeof port !== 'string' || !allowed.has(port)) {
      const name = stringify(String(port))
      const error = new ErrorType(
        'emit(): this node has no output port ' + name + '; its ports are ' + join(ports, ', '),
      )
      error.name = 'PortError'
      throw error
    }
    push(emits, [port, value === undefined ? null : value])
  }
  function encode(value, what) {
    try {
      return stringify(value)
    } catch (error) {
      throw new TypeError('The ' + what + ' cannot be converted to JSON: ' + error.message)
    }
  }
  function finish(result, parts, state) {
    let out = '{"e":' + encode(emits, 'emitted value')
    const returned = result === undefined ? undefined : encode(result, 'returned value')
    if (returned !== undefined) out += ',"r":' + returned
    let changed = ''
    for (let i = 0; i < 5; i++) {
      if (parts[i] === '') continue
      const text = encode(state[i], NAMES[i])
      if (text === parts[i]) continue
      changed += (changed ? ',"' : '"') + NAMES[i] + '":' + (text === undefined ? 'null' : text)
    }
    if (changed) out += ',"c":{' + changed + '}'
    return out + '}'
  }
  function load(text) {
    return text === '' ? undefined : parse(text)
  }
  function run(fn, input) {
    const parts = split(input, '\\n')
    const state = [load(parts[0]), load(parts[1]), load(parts[2]), load(parts[3]), load(parts[4])]
    emits = []
    pending = null
    const nodes = load(parts[5])
    const payload = load(parts[6])
    const [event, profile, session, flow, node] = state
    const result = fn(event, profile, session, flow, node, nodes, payload, emit, console)
    if (result instanceof PromiseType) {
      const waiting = { done: false, failed: false, value: undefined, parts: parts, state: state }
      const fulfilled = function (value) {
        waiting.done = true
        waiting.value = value
      }
      const rejected = function (error) {
        waiting.done = true
        waiting.failed = true
        waiting.value = error
      }
      then(result, fulfilled, rejected)
      pending = waiting
      return ''
    }
    return finish(result, parts, state)
  }
  function settle() {
    const waiting = pending
    pending = null
    if (!waiting || !waiting.done) {
      throw new ErrorType('The code waits for something that never ends (no timers or I/O here)')
    }
    if (waiting.failed) throw waiting.value
    return finish(waiting.value, waiting.parts, waiting.state)
  }
  return [run, settle]
})`

const PARAMS = 'event, profile, session, flow, node, nodes, payload, emit, console'

interface DumpedError {
  name?: unknown
  message?: unknown
  stack?: unknown
}

function positionIn(stack: string, userLines: number): { line: number; column: number } | null {
  const match = new RegExp(`${FILENAME.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(stack)
  if (!match) return null
  const line = Math.min(Math.max(Number(match[1]) - LINE_OFFSET, 1), userLines)
  return { line, column: match[2] ? Number(match[2]) : 1 }
}

/** A QuickJS exception as a node error naming the position in the user's code. */
function describe(dumped: unknown, userLines: number): CodeFailure {
  if (dumped !== null && typeof dumped === 'object' && 'message' in dumped) {
    const error = dumped as DumpedError
    const name = typeof error.name === 'string' ? error.name : 'Error'
    const message = String(error.message)
    const position = typeof error.stack === 'string' ? positionIn(error.stack, userLines) : null
    const where = position ? ` (line ${position.line}, column ${position.column})` : ''
    if (name === 'PortError') return new CodeFailure('unknown-port', `${message}${where}`)
    return new CodeFailure('code-error', `${name}: ${message}${where}`)
  }
  let text: string
  try {
    text = typeof dumped === 'string' ? dumped : JSON.stringify(dumped)
  } catch {
    text = String(dumped)
  }
  return new CodeFailure('code-error', `The code threw ${text}`)
}

export interface JsSandboxOptions {
  code: string
  ports: string[]
  timeoutMs: number
  memoryMb: number
}

type StopReason = 'timeout' | 'memory' | 'cancelled' | null

/** One node's sandbox for one run: set up once, called per payload, closed at the end. */
export class JsSandbox {
  private slot: Slot | null = null
  private vm: QuickJSContext | null = null
  private run: QuickJSHandle | null = null
  private settle: QuickJSHandle | null = null
  private fn: QuickJSHandle | null = null
  private readonly userLines: number
  private readonly used: boolean[]
  private deadline = 0
  private memoryCeiling = 0
  private signal: AbortSignal | null = null
  private stop: StopReason = null
  private logs: LogBudget | null = null

  private constructor(private readonly options: JsSandboxOptions) {
    this.userLines = options.code.split('\n').length
    this.used = usedParts(options.code, /\b(eval|arguments)\b/)
  }

  static async open(options: JsSandboxOptions): Promise<JsSandbox> {
    const sandbox = new JsSandbox(options)
    await sandbox.start()
    return sandbox
  }

  private async start(): Promise<void> {
    const slot = await acquireSlot()
    this.slot = slot
    const { runtime, memory } = slot
    runtime.setMemoryLimit(this.options.memoryMb * MB)
    this.memoryCeiling = memory.buffer.byteLength + this.options.memoryMb * MB
    runtime.setInterruptHandler(() => this.shouldInterrupt())
    const vm = runtime.newContext()
    this.vm = vm
    try {
      const hostLog = vm.newFunction('hostLog', (level, text) => {
        this.logs?.write(vm.getString(level) as LogLevel, vm.getString(text))
      })
      const ports = vm.newString(JSON.stringify(this.options.ports))
      const factory = vm.unwrapResult(vm.evalCode(HARNESS, 'harness.js'))
      const pair = vm.unwrapResult(vm.callFunction(factory, vm.undefined, ports, hostLog))
      this.run = vm.getProp(pair, 0)
      this.settle = vm.getProp(pair, 1)
      for (const handle of [factory, pair, ports, hostLog]) handle.dispose()
      this.fn = this.compile()
    } catch (error) {
      this.teardown(true)
      throw error
    }
  }

  /** Compiles the function body under a call's limits: the body can break out of the wrapper. */
  private compile(): QuickJSHandle {
    const vm = this.vm!
    const isAsync = /\bawait\b/.test(this.options.code)
    const source = `(${isAsync ? 'async ' : ''}function (${PARAMS}) {\n${this.options.code}\n})`
    this.begin(null)
    let result
    try {
      result = vm.evalCode(source, FILENAME)
    } finally {
      this.deadline = 0
    }
    if (result.error) throw this.failure(result.error)
    if (vm.typeof(result.value) !== 'function') {
      result.value.dispose()
      throw new CodeFailure(
        'code-error',
        'The code must be the body of a function (it closed the wrapper around it)',
      )
    }
    return result.value
  }

  private begin(signal: AbortSignal | null): void {
    this.stop = null
    this.signal = signal
    this.deadline = performance.now() + this.options.timeoutMs
  }

  private shouldInterrupt(): boolean {
    if (this.deadline === 0) return false
    if (this.slot && this.slot.memory.buffer.byteLength > this.memoryCeiling) this.stop = 'memory'
    else if (performance.now() > this.deadline) this.stop = 'timeout'
    else if (this.signal?.aborted) this.stop = 'cancelled'
    return this.stop !== null
  }

  /** Turns an exception handle into a node error; a limit that was hit wins over the message. */
  private failure(errorHandle: QuickJSHandle): Error {
    const vm = this.vm!
    let dumped: unknown = null
    try {
      dumped = vm.dump(errorHandle)
    } catch {
      // Reading the error can fail in a runtime that is out of memory; the limit explains it.
    } finally {
      errorHandle.dispose()
    }
    const message =
      dumped && typeof dumped === 'object' ? String((dumped as DumpedError).message) : ''
    if (message === 'out of memory') this.stop = 'memory'
    return this.stop ? this.limitFailure(this.stop) : describe(dumped, this.userLines)
  }

  /**
   * A limit was hit: the context is dropped (the next call builds a fresh one), and an instance
   * that ran out of memory is not reused, so the memory goes back to the system.
   */
  private limitFailure(stop: NonNullable<StopReason>): Error {
    this.teardown(stop !== 'memory')
    if (stop === 'memory')
      return new CodeFailure(
        'memory-limit',
        `The code used more than ${this.options.memoryMb} MB (its memory limit)`,
      )
    if (stop === 'timeout')
      return new CodeFailure(
        'timeout',
        `The code ran longer than ${this.options.timeoutMs} ms (its time limit)`,
      )
    return new Error('The run was cancelled')
  }

  /** Runs the code once; async only when the sandbox must be rebuilt after a limit was hit. */
  call(ctx: PluginContext, payload: unknown): PortResult[] | Promise<PortResult[]> {
    if (!this.vm) return this.start().then(() => this.callNow(ctx, payload))
    return this.callNow(ctx, payload)
  }

  private callNow(ctx: PluginContext, payload: unknown): PortResult[] {
    const vm = this.vm!
    const input = stateInput(ctx, payload, this.used)
    this.logs = new LogBudget(ctx)
    this.begin(ctx.signal)
    let text: string
    try {
      text = this.invoke(vm, this.run!, [this.fn!, input])
      if (text === '') text = this.settleAsync(vm)
    } finally {
      this.deadline = 0
      this.logs = null
    }
    let outcome: CallOutcome
    try {
      outcome = parseSandboxJson(text) as CallOutcome
    } catch (error) {
      throw new CodeFailure(
        'invalid-result',
        `The sandbox sent back something that is not JSON: ${(error as Error).message}`,
      )
    }
    return applyOutcome(outcome, ctx)
  }

  /** Calls a harness function with string or handle arguments and returns its string result. */
  private invoke(vm: QuickJSContext, fn: QuickJSHandle, args: (QuickJSHandle | string)[]): string {
    const owned: QuickJSHandle[] = []
    const handles = args.map((arg) => {
      if (typeof arg !== 'string') return arg
      const handle = vm.newString(arg)
      owned.push(handle)
      return handle
    })
    let result
    try {
      result = vm.callFunction(fn, vm.undefined, ...handles)
    } catch (error) {
      // A host-level failure inside WebAssembly (the native stack…) leaves the instance unusable.
      for (const handle of owned) if (handle.alive) handle.dispose()
      this.teardown(false)
      throw new CodeFailure('sandbox', `The JavaScript sandbox failed: ${(error as Error).message}`)
    }
    for (const handle of owned) handle.dispose()
    if (result.error) throw this.failure(result.error)
    try {
      return vm.getString(result.value)
    } finally {
      result.value.dispose()
    }
  }

  private settleAsync(vm: QuickJSContext): string {
    const runtime = this.slot!.runtime
    while (runtime.hasPendingJob()) {
      if (this.shouldInterrupt()) break
      const jobs = runtime.executePendingJobs(JOB_BATCH)
      if (jobs.error) jobs.error.dispose()
    }
    if (this.stop) throw this.limitFailure(this.stop)
    return this.invoke(vm, this.settle!, [])
  }

  /** Frees the context; the instance goes back to the pool only when it is known to be sound. */
  private teardown(reusable: boolean): void {
    for (const handle of [this.fn, this.run, this.settle]) if (handle?.alive) handle.dispose()
    this.fn = this.run = this.settle = null
    if (this.vm) {
      try {
        this.vm.dispose()
      } catch {
        reusable = false
      }
      this.vm = null
    }
    if (this.slot) {
      releaseSlot(this.slot, reusable)
      this.slot = null
    }
  }

  close(): void {
    this.teardown(true)
  }
}
