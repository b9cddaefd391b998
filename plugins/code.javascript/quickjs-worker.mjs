/**
 * One worker thread of code.javascript's pool (see pool.ts). User code runs in QuickJS compiled
 * to WebAssembly: it has only the ECMAScript built-ins, plus `emit` and `console`. No module
 * loader is installed, so `import()` fails; there is no `require`, `process`, `fetch` or timer.
 *
 * QuickJS checks its interrupt handler between bytecodes, never inside a built-in, so the time
 * limit enforced here ends ordinary loops cheaply (the worker and the node's compiled code stay
 * warm) while the host ends the whole thread when a built-in overruns.
 *
 * Memory: QuickJS's own accounting in this build does not see realloc'd sizes (a growing array
 * went to 2 GB under a 64 MB `setMemoryLimit`), so each sandbox gets a WebAssembly instance of
 * its own and the interrupt handler watches that instance's linear memory. Instances are pooled:
 * creating one costs a few milliseconds, a context well under one.
 *
 * The thread sleeps in Atomics.wait between calls and reads a warm call's request from the
 * shared area (pool.ts describes the layout), so a call costs no trip through either event
 * loop. Other messages are small arrays on the port; state travels as JSON text. Replies are
 * `${id}\n${output}` in the shared area, or [id, output | null, logs, failure | null] on the
 * port, where logs is a flat [level, text, …] list and failure is [code, message].
 */
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { receiveMessageOnPort, workerData } from 'node:worker_threads'
import { newQuickJSWASMModule } from 'quickjs-emscripten'

const { port, shared, areaOffset, areaBytes, maxLogs, maxLogChars, nice } = workerData

// User code runs at a lower priority than the host's own threads, so a call that keeps a core
// busy cannot starve the host's event loop when cores are scarce. Linux names this thread's id
// in /proc/thread-self; elsewhere the thread keeps the process's priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice)
} catch {
  // Not Linux, or not allowed: the time limit still holds.
}
// The layout of `shared` is described in pool.ts.
const REQUESTS = 0
const REPLIES = 1
const CANCEL = 2
const RUNNING = 3
const REQUEST_BYTES = 4
const REPLY_BYTES = 5
const ASYNC = 6
const STARTED_AT = 4
const control = new Int32Array(shared, 0, 8)
const startedAt = new Float64Array(shared, 0, 8)
const requestArea = Buffer.from(shared, areaOffset, areaBytes)
const replyArea = Buffer.from(shared, areaOffset + areaBytes, areaBytes)

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

class Failure extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message)
    this.code = code
  }
}

/** One WebAssembly instance of QuickJS with one runtime, used by one sandbox at a time. */
const idleSlots = []

async function acquireSlot() {
  const idle = idleSlots.pop()
  if (idle) return idle
  const module = await newQuickJSWASMModule()
  const runtime = module.newRuntime()
  runtime.setMaxStackSize(MAX_STACK_BYTES)
  return { module, memory: module.getWasmMemory(), runtime }
}

function releaseSlot(slot, reusable) {
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

function positionIn(stack, userLines) {
  const match = new RegExp(`${FILENAME.replace('.', '\\.')}:(\\d+)(?::(\\d+))?`).exec(stack)
  if (!match) return null
  const line = Math.min(Math.max(Number(match[1]) - LINE_OFFSET, 1), userLines)
  return { line, column: match[2] ? Number(match[2]) : 1 }
}

/** A QuickJS exception as a node error naming the position in the user's code. */
function describe(dumped, userLines) {
  if (dumped !== null && typeof dumped === 'object' && 'message' in dumped) {
    const name = typeof dumped.name === 'string' ? dumped.name : 'Error'
    const message = String(dumped.message)
    const position = typeof dumped.stack === 'string' ? positionIn(dumped.stack, userLines) : null
    const where = position ? ` (line ${position.line}, column ${position.column})` : ''
    if (name === 'PortError') return new Failure('unknown-port', `${message}${where}`)
    return new Failure('code-error', `${name}: ${message}${where}`)
  }
  let text
  try {
    text = typeof dumped === 'string' ? dumped : JSON.stringify(dumped)
  } catch {
    text = String(dumped)
  }
  return new Failure('code-error', `The code threw ${text}`)
}

/** Log lines of the call in progress, flat: level, text, level, text… */
let logs = []
let logCount = 0

/** Clips lines and counts them, so one call cannot flood the node's logs (or this thread). */
function writeLog(level, message) {
  logCount++
  if (logCount > maxLogs) {
    if (logCount === maxLogs + 1)
      logs.push('warn', `More than ${maxLogs} log lines in one call; the rest are dropped`)
    return
  }
  logs.push(
    level,
    message.length > maxLogChars
      ? `${message.slice(0, maxLogChars)}… (${message.length} characters)`
      : message,
  )
}

/** One node's sandbox: its compiled code in a context of its own, kept across calls. */
class Sandbox {
  slot = null
  vm = null
  run = null
  settle = null
  fn = null
  deadline = 0
  memoryCeiling = 0
  callId = 0
  /** @type {'timeout' | 'memory' | 'cancelled' | null} */
  stop = null

  constructor(code, portsText, timeoutMs, memoryMb) {
    this.code = code
    this.portsText = portsText
    this.timeoutMs = timeoutMs
    this.memoryMb = memoryMb
    this.userLines = code.split('\n').length
  }

  get started() {
    return this.vm !== null
  }

  async start() {
    const slot = await acquireSlot()
    this.slot = slot
    const { runtime, memory } = slot
    runtime.setMemoryLimit(this.memoryMb * MB)
    this.memoryCeiling = memory.buffer.byteLength + this.memoryMb * MB
    runtime.setInterruptHandler(() => this.shouldInterrupt())
    const vm = runtime.newContext()
    this.vm = vm
    try {
      const hostLog = vm.newFunction('hostLog', (level, text) => {
        writeLog(vm.getString(level), vm.getString(text))
      })
      const ports = vm.newString(this.portsText)
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
  compile() {
    const vm = this.vm
    const isAsync = /\bawait\b/.test(this.code)
    const source = `(${isAsync ? 'async ' : ''}function (${PARAMS}) {\n${this.code}\n})`
    this.begin(this.callId)
    let result
    try {
      result = vm.evalCode(source, FILENAME)
    } finally {
      this.deadline = 0
    }
    if (result.error) throw this.failure(result.error)
    if (vm.typeof(result.value) !== 'function') {
      result.value.dispose()
      throw new Failure(
        'code-error',
        'The code must be the body of a function (it closed the wrapper around it)',
      )
    }
    return result.value
  }

  /** Starts the clock, here and for the host, which ends this thread if the code overruns. */
  begin(callId) {
    this.stop = null
    this.callId = callId
    const now = performance.now()
    this.deadline = now + this.timeoutMs
    startedAt[STARTED_AT] = performance.timeOrigin + now
    Atomics.store(control, RUNNING, callId)
  }

  shouldInterrupt() {
    if (this.deadline === 0) return false
    if (this.slot && this.slot.memory.buffer.byteLength > this.memoryCeiling) this.stop = 'memory'
    else if (performance.now() > this.deadline) this.stop = 'timeout'
    else if (Atomics.load(control, CANCEL) === this.callId) this.stop = 'cancelled'
    return this.stop !== null
  }

  /** Turns an exception handle into a node error; a limit that was hit wins over the message. */
  failure(errorHandle) {
    let dumped = null
    try {
      dumped = this.vm.dump(errorHandle)
    } catch {
      // Reading the error can fail in a runtime that is out of memory; the limit explains it.
    } finally {
      errorHandle.dispose()
    }
    const message = dumped && typeof dumped === 'object' ? String(dumped.message) : ''
    if (message === 'out of memory') this.stop = 'memory'
    return this.stop ? this.limitFailure(this.stop) : describe(dumped, this.userLines)
  }

  /**
   * A limit was hit: the context is dropped (the next call builds a fresh one), and an instance
   * that ran out of memory is not reused, so the memory goes back to the system.
   */
  limitFailure(stop) {
    this.teardown(stop !== 'memory')
    if (stop === 'memory')
      return new Failure(
        'memory-limit',
        `The code used more than ${this.memoryMb} MB (its memory limit)`,
      )
    if (stop === 'timeout')
      return new Failure(
        'timeout',
        `The code ran longer than ${this.timeoutMs} ms (its time limit)`,
      )
    return new Failure('cancelled', 'The run was cancelled')
  }

  /** Runs the code once on one state input; returns the harness's JSON answer. */
  call(callId, input) {
    this.begin(callId)
    try {
      let text = this.invoke(this.run, [this.fn, input])
      if (text === '') text = this.settleAsync()
      return text
    } finally {
      this.deadline = 0
    }
  }

  /** Calls a harness function with string or handle arguments and returns its string result. */
  invoke(fn, args) {
    const vm = this.vm
    const owned = []
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
      // A failure inside WebAssembly itself (the native stack…) leaves the instance unusable.
      for (const handle of owned) if (handle.alive) handle.dispose()
      this.teardown(false)
      throw new Failure('sandbox', `The JavaScript sandbox failed: ${error.message}`)
    }
    for (const handle of owned) handle.dispose()
    if (result.error) throw this.failure(result.error)
    try {
      return vm.getString(result.value)
    } finally {
      result.value.dispose()
    }
  }

  settleAsync() {
    const runtime = this.slot.runtime
    while (runtime.hasPendingJob()) {
      if (this.shouldInterrupt()) break
      const jobs = runtime.executePendingJobs(JOB_BATCH)
      if (jobs.error) jobs.error.dispose()
    }
    if (this.stop) throw this.limitFailure(this.stop)
    return this.invoke(this.settle, [])
  }

  /** Frees the context; the instance goes back to the pool only when it is known to be sound. */
  teardown(reusable) {
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
}

/** Open sandboxes by the host's instance number. */
const sandboxes = new Map()

/** Answers through the shared area when the reply is a string that fits, else on the port. */
function reply(message) {
  let bytes = -1
  if (
    typeof message === 'string' &&
    (message.length * 3 <= areaBytes || Buffer.byteLength(message) <= areaBytes)
  )
    bytes = replyArea.write(message, 0)
  else port.postMessage(message)
  Atomics.store(control, REPLY_BYTES, bytes)
  Atomics.add(control, REPLIES, 1)
  Atomics.notify(control, REPLIES)
  // A host that stopped waiting here listens on the port: tell it to look.
  if (bytes >= 0 && Atomics.load(control, ASYNC) === 1) port.postMessage(0)
}

function failureOf(error) {
  if (error instanceof Failure) return [error.code, error.message]
  return ['sandbox', `The JavaScript sandbox failed: ${error?.message ?? String(error)}`]
}

/**
 * ['open', id, instance, code, ports, timeoutMs, memoryMb] compiles a node's code;
 * ['call', id, instance, input, …open arguments when this thread has not opened it yet]
 * runs it; ['close', instance] frees it (no reply). Returns a promise only when a sandbox must
 * be started, so a warm call costs no trip through the microtask queue.
 */
function handle(message) {
  if (typeof message === 'string') message = callOf(message)
  const kind = message[0]
  if (kind === 'close') {
    sandboxes.get(message[1])?.teardown(true)
    sandboxes.delete(message[1])
    return null
  }
  const id = message[1]
  const instance = message[2]
  // A posted list was cloned, so an empty one can be reused.
  if (logs.length > 0) logs = []
  logCount = 0
  let sandbox = sandboxes.get(instance)
  const first = kind === 'open' ? 3 : 4
  if (!sandbox && message.length > first) {
    const [code, ports, timeoutMs, memoryMb] = message.slice(first)
    sandbox = new Sandbox(code, ports, timeoutMs, memoryMb)
    sandboxes.set(instance, sandbox)
  }
  if (sandbox?.started) return answer(sandbox, kind, id, message)
  return startThenAnswer(sandbox, kind, id, instance, message)
}

async function startThenAnswer(sandbox, kind, id, instance, message) {
  try {
    if (!sandbox) throw new Failure('sandbox', 'The JavaScript sandbox was closed')
    sandbox.callId = id
    await sandbox.start()
  } catch (error) {
    // Code that does not compile is reported at set-up; nothing of it stays here.
    if (kind === 'open') sandboxes.delete(instance)
    reply([id, null, logs, failureOf(error)])
    return
  }
  answer(sandbox, kind, id, message)
}

/** The hot path's request, `${id}\n${instance}\n${input}`, as a call message. */
function callOf(text) {
  const first = text.indexOf('\n')
  const second = text.indexOf('\n', first + 1)
  return [
    'call',
    Number(text.slice(0, first)),
    Number(text.slice(first + 1, second)),
    text.slice(second + 1),
  ]
}

function answer(sandbox, kind, id, message) {
  try {
    const output = kind === 'open' ? '' : sandbox.call(id, message[3])
    // One string clones several times faster than an array; logs need the array.
    reply(logs.length === 0 ? `${id}\n${output}` : [id, output, logs, null])
  } catch (error) {
    reply([id, null, logs, failureOf(error)])
  }
  return null
}

/**
 * One request per increment of REQUESTS: in the shared area, or the first message on the port
 * that is not a `close` (those come without a wake-up and are handled on the way).
 */
function nextRequest() {
  const bytes = Atomics.load(control, REQUEST_BYTES)
  for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port)) {
    if (next.message[0] !== 'close') return next.message
    handle(next.message)
  }
  return bytes >= 0 ? requestArea.toString('utf8', 0, bytes) : null
}

/** About 50 µs of polling. */
const SPIN_CHECKS = 20000
let handled = 0
for (;;) {
  // A warm caller sends the next call within microseconds: spin briefly before sleeping, as a
  // futex wake-up costs more than the call itself.
  for (let spin = 0; spin < SPIN_CHECKS && Atomics.load(control, REQUESTS) === handled; spin++);
  while (Atomics.load(control, REQUESTS) === handled) Atomics.wait(control, REQUESTS, handled)
  handled++
  const request = nextRequest()
  if (request === null) continue
  const started = handle(request)
  if (started) await started
}
