/**
 * The worker threads that run code.javascript's QuickJS sandboxes (quickjs-worker.mjs).
 *
 * Why threads: QuickJS checks its time limit between bytecodes only, so a built-in such as
 * `Array.prototype.indexOf.call({ length: 2 ** 40 }, 1)` ran for hours on the host's main
 * thread. A worker enforces the limit itself for ordinary code (cheap: the worker stays warm);
 * when it does not answer by the limit plus a short grace, the host ends the whole thread and
 * starts a fresh one on the next call.
 *
 * Each node's sandbox (an instance) lives in one worker, which runs one call at a time; the host
 * queues the rest, so it always knows which call a worker is running. When a worker is ended
 * (time limit, cancellation) only that call fails: calls queued behind it never started, so
 * they are sent again to a live worker, and their instances reopen there from their code (their
 * state travels with each call, so only globals the code left on `globalThis` are lost, as after
 * any limit). When a worker crashes on its own, its queued calls fail too, rather than crash the
 * next worker the same way.
 *
 * Speed: a warm call's request and reply are texts in a SharedArrayBuffer, signalled with
 * Atomics; the worker sleeps in Atomics.wait between calls. The caller waits up to a millisecond
 * the same way, so a quick call (most take tens of microseconds) returns synchronously, without
 * a trip through either event loop and without a structured clone. Opening, large texts, logs
 * and failures travel on a MessagePort, and a call that outlasts the wait is answered through
 * the port's message event. Idle workers are unref'd and never keep the process alive.
 *
 * Memory: each sandbox has its own WebAssembly instance with its limit (quickjs-worker.mjs);
 * an instance that overran it is dropped, and a worker that is ended frees everything it held.
 */
import { availableParallelism } from 'node:os'
import type { MessagePort } from 'node:worker_threads'
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads'
import { CodeFailure, MAX_LOG_CHARS, MAX_LOGS_PER_CALL } from './code-common'

// Layout of the buffer shared with quickjs-worker.mjs: Int32 counters and flags, the start time
// of the running call's code (Float64, timeOrigin + now in the worker), then one area for a
// request's text and one for a reply's.
const REQUESTS = 0
const REPLIES = 1
const CANCEL = 2
const RUNNING = 3
/** UTF-8 length of the request in its area, or -1: the request is on the port. */
const REQUEST_BYTES = 4
/** The same for the reply. */
const REPLY_BYTES = 5
/** 1 while the host waits for the reply through the port's message event. */
const ASYNC = 6
const STARTED_AT = 4
const AREA_OFFSET = 64
/** Texts longer than this (a large profile or payload) travel on the port instead. */
const AREA_BYTES = 256 * 1024

/** How long the caller's thread waits for a quick reply before it goes async instead. */
/** About 100 µs of polling before the caller sleeps. */
const QUICK_SPIN_CHECKS = 40000
const QUICK_WAIT_MS = 1
/** The worker ends its own overrun at the limit; the host ends the thread this much later. */
const HARD_LIMIT_GRACE_MS = 100
/** A cancelled call that does not stop by itself this soon has its worker ended. */
const CANCEL_GRACE_MS = 100
/** A call whose code never started (a worker that cannot load QuickJS) fails after this. */
const START_ALLOWANCE_MS = 30_000
/** Niceness of the worker threads: below the host's threads, not starved by other processes. */
const WORKER_NICE = 5
const MAX_WORKERS = Math.min(4, Math.max(2, availableParallelism()))

type Failure = [code: CodeFailure['code'] | 'cancelled', message: string]
/** The worker's answer: [id, output JSON | null, logs as level, text, …, failure | null]. */
type Reply = [id: number, output: string | null, logs: string[], failure: Failure | null]

export interface InstanceOptions {
  code: string
  ports: string[]
  timeoutMs: number
  memoryMb: number
}

/** What one call produced: the harness's JSON text, or the failure, with the logs either way. */
export interface CallAnswer {
  output: string | null
  logs: string[]
  failure: Failure | null
}

/** One node's sandbox as the host sees it: its code, and the worker that holds it. */
export class Instance {
  private static nextId = 1
  readonly id = Instance.nextId++
  readonly openArgs: [code: string, ports: string, timeoutMs: number, memoryMb: number]
  generation: Generation | null = null
  /** Whether the last call answered within the quick wait, so the next one waits for it too. */
  quick = true

  constructor(readonly options: InstanceOptions) {
    this.openArgs = [
      options.code,
      JSON.stringify(options.ports),
      options.timeoutMs,
      options.memoryMb,
    ]
  }
}

class Pending {
  private static nextId = 1
  readonly id = Pending.nextId++
  answer: CallAnswer | null = null
  error: Error | null = null
  dispatchedAt = 0
  timer: NodeJS.Timeout | null = null
  private waiters: [(answer: CallAnswer) => void, (error: Error) => void] | null = null
  private onAbort: (() => void) | null = null

  constructor(
    readonly kind: 'open' | 'call',
    readonly instance: Instance,
    readonly input: string,
    readonly signal: AbortSignal | null,
  ) {}

  /** Listens for cancellation once the call has to wait (a quick call cannot be cancelled). */
  listen(abort: (pending: Pending) => void): void {
    if (!this.signal || this.onAbort || this.done) return
    this.onAbort = () => abort(this)
    this.signal.addEventListener('abort', this.onAbort, { once: true })
  }

  get done(): boolean {
    return this.answer !== null || this.error !== null
  }

  settle(answer: CallAnswer | null, error: Error | null): void {
    if (this.done) return
    this.answer = answer
    this.error = error ?? (answer ? null : new CodeFailure('sandbox', 'No answer'))
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (this.onAbort) this.signal!.removeEventListener('abort', this.onAbort)
    if (this.waiters) {
      const [resolve, reject] = this.waiters
      if (this.error) reject(this.error)
      else resolve(this.answer!)
    }
  }

  promise(): Promise<CallAnswer> {
    if (this.error) return Promise.reject(this.error)
    if (this.answer) return Promise.resolve(this.answer)
    return new Promise((resolve, reject) => {
      this.waiters = [resolve, reject]
    })
  }
}

/** One worker thread; a fresh one replaces it after it was ended. */
class Generation {
  readonly worker: Worker
  readonly port: MessagePort
  readonly control: Int32Array
  readonly startedAt: Float64Array
  readonly requestArea: Buffer
  readonly replyArea: Buffer
  /** REPLIES as of the last reply read. */
  repliesSeen = 0
  /** Instances whose code this worker has compiled. */
  readonly opened = new Set<number>()
  readonly queue: Pending[] = []
  running: Pending | null = null
  dead = false
  private held = false

  constructor(
    onMessage: (generation: Generation, message: Reply | string | 0) => void,
    onCrash: (generation: Generation, error: Error) => void,
  ) {
    const shared = new SharedArrayBuffer(AREA_OFFSET + 2 * AREA_BYTES)
    this.control = new Int32Array(shared, 0, 8)
    this.startedAt = new Float64Array(shared, 0, 8)
    this.requestArea = Buffer.from(shared, AREA_OFFSET, AREA_BYTES)
    this.replyArea = Buffer.from(shared, AREA_OFFSET + AREA_BYTES, AREA_BYTES)
    const { port1, port2 } = new MessageChannel()
    this.port = port1
    // Written as `new URL(…, import.meta.url)` so bundlers can see the file this needs.
    this.worker = new Worker(new URL('./quickjs-worker.mjs', import.meta.url), {
      workerData: {
        port: port2,
        shared,
        areaOffset: AREA_OFFSET,
        areaBytes: AREA_BYTES,
        maxLogs: MAX_LOGS_PER_CALL,
        maxLogChars: MAX_LOG_CHARS,
        nice: WORKER_NICE,
      },
      transferList: [port2],
      // Nothing in the worker reads the environment; it gets none of the host's.
      env: {},
    })
    this.worker.unref()
    this.port.on('message', (message: Reply | string | 0) => onMessage(this, message))
    this.port.unref()
    this.worker.on('error', (error) =>
      onCrash(this, new CodeFailure('sandbox', `The JavaScript worker failed: ${error.message}`)),
    )
    this.worker.on('exit', () =>
      onCrash(this, new CodeFailure('sandbox', 'The JavaScript worker stopped')),
    )
  }

  get busy(): boolean {
    return this.running !== null || this.queue.length > 0
  }

  /** Sends a request: through the shared area when it fits, else on the port. */
  send(message: string | unknown[], async: boolean): void {
    const control = this.control
    if (typeof message === 'string' && fits(message)) {
      Atomics.store(control, REQUEST_BYTES, this.requestArea.write(message, 0))
    } else {
      this.port.postMessage(message)
      Atomics.store(control, REQUEST_BYTES, -1)
    }
    Atomics.store(control, ASYNC, async ? 1 : 0)
    Atomics.add(control, REQUESTS, 1)
    Atomics.notify(control, REQUESTS)
  }

  /** The reply in the shared area, if one arrived since the last. */
  sharedReply(): string | null {
    const replies = Atomics.load(this.control, REPLIES)
    if (replies === this.repliesSeen) return null
    this.repliesSeen = replies
    const bytes = Atomics.load(this.control, REPLY_BYTES)
    return bytes < 0 ? null : this.replyArea.toString('utf8', 0, bytes)
  }

  /** Keeps the process alive while someone waits for this worker, and only then. */
  hold(held: boolean): void {
    if (held === this.held) return
    this.held = held
    if (held) this.port.ref()
    else this.port.unref()
  }

  end(): void {
    this.dead = true
    this.hold(false)
    this.port.close()
    void this.worker.terminate()
  }
}

export class JsWorkerPool {
  private readonly generations: Generation[] = []
  /** Whether this thread may block in Atomics.wait (Node allows it on every thread). */
  private readonly canWait = canBlock()

  constructor(private readonly maxWorkers = MAX_WORKERS) {}

  /** Compiles an instance's code in a worker; fails with the code's syntax error, if any. */
  open(instance: Instance): Promise<void> {
    const pending = new Pending('open', instance, '', null)
    this.dispatch(pending, true)
    return pending.promise().then((answer) => {
      if (answer.failure) throw failureError(answer.failure)
    })
  }

  /** Runs the instance's code on one state input: synchronously when the worker is quick. */
  call(instance: Instance, input: string, signal: AbortSignal): CallAnswer | Promise<CallAnswer> {
    if (signal.aborted) throw new Error('The run was cancelled')
    const pending = new Pending('call', instance, input, signal)
    this.dispatch(pending, instance.quick)
    if (pending.answer) return pending.answer
    return pending.promise()
  }

  close(instance: Instance): void {
    const generation = instance.generation
    instance.generation = null
    // No wake-up: the worker frees it before its next request.
    if (generation && !generation.dead && generation.opened.delete(instance.id))
      generation.port.postMessage(['close', instance.id])
  }

  /** Sends the call to its instance's worker, or to an idle one when that worker is busy. */
  private dispatch(pending: Pending, quick: boolean): void {
    const instance = pending.instance
    let generation = instance.generation
    if (!generation || generation.dead || generation.busy) {
      const other =
        this.idleGeneration() ?? (generation?.dead === false ? generation : this.leastBusy())
      if (other !== generation) {
        if (generation) this.close(instance)
        instance.generation = other
      }
      generation = other
    }
    if (generation.busy) {
      generation.queue.push(pending)
      generation.hold(true)
      pending.listen(this.abortPending)
    } else this.start(generation, pending, quick)
  }

  private idleGeneration(): Generation | null {
    const idle = this.generations.find((generation) => !generation.busy)
    if (idle) return idle
    return this.generations.length < this.maxWorkers ? this.spawn() : null
  }

  private leastBusy(): Generation {
    let best: Generation | null = null
    for (const generation of this.generations)
      if (!best || generation.queue.length < best.queue.length) best = generation
    return best ?? this.spawn()
  }

  private spawn(): Generation {
    const generation = new Generation(
      (from, message) => this.onPortMessage(from, message),
      (from, error) => this.retire(from, error, false),
    )
    this.generations.push(generation)
    return generation
  }

  private start(generation: Generation, pending: Pending, quick: boolean): void {
    const { instance } = pending
    generation.running = pending
    let message: string | unknown[]
    if (pending.kind === 'call' && generation.opened.has(instance.id)) {
      // The hot path: one string clones several times faster than an array.
      message = `${pending.id}\n${instance.id}\n${pending.input}`
    } else {
      message =
        pending.kind === 'open'
          ? ['open', pending.id, instance.id, ...instance.openArgs]
          : ['call', pending.id, instance.id, pending.input, ...instance.openArgs]
      generation.opened.add(instance.id)
    }
    quick &&= this.canWait
    pending.dispatchedAt = performance.now()
    generation.send(message, !quick)
    if (quick) {
      // Blocks this thread for at most QUICK_WAIT_MS: cheaper than two event-loop turns.
      const control = generation.control
      // Most warm calls answer within tens of microseconds: poll first, then sleep.
      for (let spin = 0; spin < QUICK_SPIN_CHECKS; spin++)
        if (Atomics.load(control, REPLIES) !== generation.repliesSeen) break
      Atomics.wait(control, REPLIES, generation.repliesSeen, QUICK_WAIT_MS)
      this.drain(generation)
      if (pending.done) return
      // From now on the worker nudges through the port; a reply that came meanwhile is read here.
      Atomics.store(control, ASYNC, 1)
      this.drain(generation)
      if (pending.done) return
    }
    generation.hold(true)
    pending.listen(this.abortPending)
    this.watch(generation, pending, instance.options.timeoutMs + HARD_LIMIT_GRACE_MS)
  }

  /** Ends the worker when the running call's code overruns its limit and the worker did not. */
  private watch(generation: Generation, pending: Pending, delay: number): void {
    pending.timer = setTimeout(
      () => {
        if (pending.done || generation.running !== pending) return
        const limit = pending.instance.options.timeoutMs + HARD_LIMIT_GRACE_MS
        const now = performance.timeOrigin + performance.now()
        if (Atomics.load(generation.control, RUNNING) !== pending.id) {
          // Still setting up (a fresh worker loads QuickJS first): the limit is for the code.
          if (performance.now() - pending.dispatchedAt < START_ALLOWANCE_MS)
            return this.watch(generation, pending, limit)
          return this.retire(
            generation,
            new CodeFailure('sandbox', 'The JavaScript worker did not start'),
            false,
          )
        }
        const left = generation.startedAt[STARTED_AT]! + limit - now
        if (left > 0) return this.watch(generation, pending, left)
        this.retire(
          generation,
          new CodeFailure(
            'timeout',
            `The code ran longer than ${pending.instance.options.timeoutMs} ms (its time limit)`,
          ),
          true,
        )
      },
      Math.max(1, Math.ceil(delay)),
    )
  }

  /** Reads whatever the worker answered, on the port or in the shared area. */
  private drain(generation: Generation): void {
    for (
      let next = receiveMessageOnPort(generation.port);
      next;
      next = receiveMessageOnPort(generation.port)
    )
      this.onPortMessage(generation, next.message as Reply | string | 0)
    const shared = generation.sharedReply()
    if (shared !== null) this.onReply(generation, shared)
  }

  /** A reply too large for the shared area or with logs, or 0: look in the shared area. */
  private onPortMessage(generation: Generation, message: Reply | string | 0): void {
    if (message !== 0) return this.onReply(generation, message)
    const shared = generation.sharedReply()
    if (shared !== null) this.onReply(generation, shared)
  }

  private onReply(generation: Generation, message: Reply | string): void {
    const pending = generation.running
    const reply = typeof message === 'string' ? quickReply(message) : message
    if (!pending || pending.id !== reply[0]) return
    generation.running = null
    const [, output, logs, failure] = reply
    if (failure && pending.kind === 'open') generation.opened.delete(pending.instance.id)
    pending.instance.quick = performance.now() - pending.dispatchedAt < QUICK_WAIT_MS
    pending.settle({ output, logs, failure }, null)
    const next = generation.queue.shift()
    if (next) this.start(generation, next, false)
    else generation.hold(false)
  }

  /** Ends every worker; calls in progress or queued fail. The next call starts a new one. */
  shutdown(): void {
    const stopped = new CodeFailure('sandbox', 'The JavaScript workers were stopped')
    for (const generation of [...this.generations]) this.retire(generation, stopped, false)
  }

  private readonly abortPending = (pending: Pending): void => this.abort(pending)

  private abort(pending: Pending): void {
    if (pending.done) return
    const cancelled = new Error('The run was cancelled')
    const generation = this.generations.find(
      (g) => g.running === pending || g.queue.includes(pending),
    )
    if (!generation || generation.running !== pending) {
      if (generation) generation.queue.splice(generation.queue.indexOf(pending), 1)
      return pending.settle(null, cancelled)
    }
    // The worker stops the code at its next check; a built-in that does not get there is ended.
    Atomics.store(generation.control, CANCEL, pending.id)
    if (pending.timer) clearTimeout(pending.timer)
    pending.timer = setTimeout(() => {
      if (!pending.done && generation.running === pending) this.retire(generation, cancelled, true)
    }, CANCEL_GRACE_MS)
  }

  /**
   * Ends a worker: its running call fails with `reason`. Queued calls go to a live worker when
   * the host ended this one on purpose; after a crash they fail with the crash.
   */
  private retire(generation: Generation, reason: Error, requeue: boolean): void {
    if (generation.dead) return
    generation.end()
    this.generations.splice(this.generations.indexOf(generation), 1)
    const running = generation.running
    generation.running = null
    running?.settle(null, reason)
    for (const pending of generation.queue.splice(0)) {
      if (requeue) this.dispatch(pending, false)
      else pending.settle(null, reason)
    }
  }
}

/** Whether a text surely fits a shared area, counting its UTF-8 length only when it might not. */
function fits(text: string): boolean {
  return text.length * 3 <= AREA_BYTES || Buffer.byteLength(text) <= AREA_BYTES
}

function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0)
    return true
  } catch {
    return false
  }
}

const NO_LOGS: string[] = []

/** A call that wrote no logs and did not fail is answered as `${id}\n${output}`. */
function quickReply(message: string): Reply {
  const cut = message.indexOf('\n')
  return [Number(message.slice(0, cut)), message.slice(cut + 1), NO_LOGS, null]
}

export function failureError([code, message]: Failure): Error {
  return code === 'cancelled' ? new Error(message) : new CodeFailure(code, message)
}

let pool: JsWorkerPool | null = null

/** The process's pool, created on first use; workers start as calls need them. */
export function jsWorkerPool(): JsWorkerPool {
  pool ??= new JsWorkerPool()
  return pool
}
