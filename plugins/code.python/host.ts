/**
 * The main-thread side of code.python: one Pyodide worker per process, started on first use
 * and kept warm. Calls are sent one at a time, so a call that overruns its time limit can be
 * stopped by ending the worker without touching anyone else's call; the next call starts a
 * fresh worker. The worker is unref'd while idle so it never keeps the process alive.
 *
 * Memory: the interpreter's WebAssembly memory belongs to this process, so the host watches
 * the process's resident size while a call runs and ends the worker when it grows by more than
 * the node's limit.
 */
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { CodeFailure } from '../code.javascript/code-common'

const MB = 1024 * 1024
const MEMORY_POLL_MS = 20
/** WebAssembly memory never shrinks: a worker grown past this is replaced before the next call. */
const RESTART_ABOVE_BYTES = 768 * MB
/** Compiled code kept in the worker; the oldest is forgotten first. */
const MAX_COMPILED = 256

export type LogLine = [level: 'info' | 'warn', text: string]

export interface CallRequest {
  instance: number
  code: string
  ports: string[]
  input: string
  timeoutMs: number
  memoryMb: number
  signal: AbortSignal
}

export interface CallReply {
  output: string
  logs: LogLine[]
}

type Reply = [
  id: number,
  output: string | null,
  logs: LogLine[],
  heapBytes: number,
  fatal: string | null,
]

type Job = () => Promise<void>

function pyodideDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('pyodide/package.json'))
}

/** One started worker; a new one replaces it after a timeout, a memory overrun or a crash. */
class Generation {
  readonly worker: Worker
  readonly ready: Promise<void>
  /** Settles when the thread has stopped and its memory is gone. */
  readonly exited: Promise<void>
  /** Code keys compiled in this worker, and instances opened in it. */
  readonly compiled = new Set<number>()
  readonly opened = new Set<number>()
  dead = false
  heapBytes = 0
  private onReply: ((reply: Reply) => void) | null = null
  private onDeath: ((error: Error) => void) | null = null

  constructor(snapshot: Uint8Array | null, onSnapshot: (image: Uint8Array) => void) {
    // Written as `new URL(…, import.meta.url)` so bundlers can see the two files this needs.
    this.worker = new Worker(new URL('./worker.mjs', import.meta.url), {
      workerData: {
        pyodideDir: pyodideDir(),
        sandboxFile: fileURLToPath(new URL('./sandbox.py', import.meta.url)),
        snapshot,
      },
      // User code sees no host environment variables.
      env: {},
    })
    this.ready = new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        this.dead = true
        reject(error)
        this.onDeath?.(error)
      }
      this.worker.on('message', (message: Reply | ['ready'] | ['snapshot', Uint8Array]) => {
        if (message[0] === 'ready') resolve()
        else if (message[0] === 'snapshot') onSnapshot(message[1] as Uint8Array)
        else this.onReply?.(message as Reply)
      })
      this.worker.on('error', (error) =>
        fail(new CodeFailure('sandbox', `The Python worker failed: ${error.message}`)),
      )
      this.worker.on('exit', () => fail(new CodeFailure('sandbox', 'The Python worker stopped')))
    })
    // Nobody may be waiting yet; a start that fails is reported to the first call.
    this.ready.catch(() => undefined)
    this.exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()))
  }

  /** Sends one call and waits for its reply (or for the worker to die). */
  send(message: unknown[], id: number): Promise<Reply> {
    return new Promise<Reply>((resolve, reject) => {
      this.onReply = (reply) => {
        if (reply[0] !== id) return
        this.onReply = this.onDeath = null
        resolve(reply)
      }
      this.onDeath = (error) => {
        this.onReply = this.onDeath = null
        reject(error)
      }
      this.worker.postMessage(message)
    })
  }

  post(message: unknown[]): void {
    if (!this.dead) this.worker.postMessage(message)
  }

  /** Ends the worker; a call in progress fails with `reason` now, not when the thread stops. */
  end(reason: Error = new CodeFailure('sandbox', 'The Python worker was stopped')): void {
    this.dead = true
    this.onDeath?.(reason)
    void this.worker.terminate()
  }
}

class PythonHost {
  private generation: Generation | null = null
  /** The last ended worker's exit: its memory must be gone before the next worker is measured. */
  private exiting: Promise<void> = Promise.resolve()
  private readonly queue: Job[] = []
  private busy = false
  private nextId = 1
  private readonly codeKeys = new Map<string, number>()
  private nextKey = 1
  /** The interpreter's memory right after start-up, for quick restarts (about 30 MB). */
  private snapshot: Uint8Array | null = null

  /** Starts the worker now (it starts on first use otherwise); resolves when Python is ready. */
  warmUp(): Promise<void> {
    return this.enqueue(async () => {
      await this.started()
    })
  }

  call(request: CallRequest): Promise<CallReply> {
    return this.enqueue(() => this.run(request))
  }

  close(instance: number): void {
    const generation = this.generation
    if (generation?.opened.delete(instance)) generation.post(['close', instance])
  }

  /** Ends the worker; the next call starts a new one. */
  stop(): void {
    if (this.generation)
      this.retire(this.generation, new CodeFailure('sandbox', 'The Python worker was stopped'))
  }

  private retire(generation: Generation, reason: Error): void {
    if (this.generation === generation) this.generation = null
    this.exiting = generation.exited
    generation.end(reason)
  }

  /** Jobs run one at a time, so a worker that is ended takes only its own call with it. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push(() => job().then(resolve, reject))
      this.pump()
    })
  }

  private pump(): void {
    if (this.busy) return
    const job = this.queue.shift()
    if (!job) {
      // Idle: the worker must not keep the process alive.
      this.generation?.worker.unref()
      return
    }
    this.busy = true
    void job().finally(() => {
      this.busy = false
      this.pump()
    })
  }

  private async started(): Promise<Generation> {
    let generation = this.generation
    if (generation && generation.heapBytes > RESTART_ABOVE_BYTES) {
      this.retire(
        generation,
        new CodeFailure('sandbox', 'The Python worker used too much memory and was replaced'),
      )
      generation = null
    }
    if (!generation || generation.dead) {
      await this.exiting
      generation = this.generation = new Generation(this.snapshot, (image) => {
        this.snapshot ??= image
      })
    }
    generation.worker.ref()
    await generation.ready
    return generation
  }

  private async run(request: CallRequest): Promise<CallReply> {
    if (request.signal.aborted) throw new Error('The run was cancelled')
    const generation = await this.started()

    let key = this.codeKeys.get(request.code)
    if (key === undefined) {
      key = this.nextKey++
      if (this.codeKeys.size >= MAX_COMPILED * 4) this.codeKeys.clear()
      this.codeKeys.set(request.code, key)
    }
    if (!generation.compiled.has(key)) {
      if (generation.compiled.size >= MAX_COMPILED) {
        const oldest = generation.compiled.values().next().value!
        generation.compiled.delete(oldest)
        generation.post(['forget', oldest])
      }
      generation.post(['compile', key, request.code])
      generation.compiled.add(key)
    }
    const opening = !generation.opened.has(request.instance)
    if (opening) generation.opened.add(request.instance)

    const id = this.nextId++
    const startRss = process.memoryUsage.rss()
    let stopped: Error | null = null
    const stop = (reason: Error) => {
      if (stopped) return
      stopped = reason
      this.retire(generation, reason)
    }
    const timer = setTimeout(
      () =>
        stop(
          new CodeFailure(
            'timeout',
            `The code ran longer than ${request.timeoutMs} ms (its time limit)`,
          ),
        ),
      request.timeoutMs,
    )
    const poll = setInterval(() => {
      if (process.memoryUsage.rss() - startRss > request.memoryMb * MB)
        stop(
          new CodeFailure(
            'memory-limit',
            `The code used more than ${request.memoryMb} MB (its memory limit)`,
          ),
        )
    }, MEMORY_POLL_MS)
    const onAbort = () => stop(new Error('The run was cancelled'))
    request.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const reply = await generation.send(
        [
          'call',
          id,
          request.instance,
          key,
          opening ? JSON.stringify(request.ports) : null,
          request.input,
        ],
        id,
      )
      const [, output, logs, heapBytes, fatal] = reply
      if (fatal !== null || output === null) {
        stop(
          new CodeFailure(
            'sandbox',
            `The Python interpreter failed and will be restarted: ${fatal ?? 'no reply'}`,
          ),
        )
        throw stopped!
      }
      generation.heapBytes = heapBytes
      return { output, logs }
    } catch (error) {
      throw stopped ?? error
    } finally {
      clearTimeout(timer)
      clearInterval(poll)
      request.signal.removeEventListener('abort', onAbort)
    }
  }
}

let host: PythonHost | null = null

/** The process's Python host, created on first use. */
export function pythonHost(): PythonHost {
  host ??= new PythonHost()
  return host
}

let nextInstance = 1

export function newInstanceId(): number {
  return nextInstance++
}
