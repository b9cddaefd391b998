/**
 * The host side of code.python: a small pool of Python sandbox processes.
 *
 * Each process is a separate OS process (see sandbox-process.mjs) started by a launcher; under
 * plain Node the default launcher forks this Node with the permission model, so the process can
 * read only Pyodide's package folder and its own files, and cannot write files, start processes
 * or threads; its environment is empty. Several processes run calls in parallel; a process
 * serves one call at a time, so ending it on a timeout, a memory overrun or a crash takes only
 * that call with it, and a fresh process (started from a memory image of the first one's
 * interpreter) takes its place. Idle processes never keep the host alive (unref).
 */
import type { ChildProcess } from 'node:child_process'
import { fork } from 'node:child_process'
import { realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { CodeFailure } from '../code.javascript/code-common'

const MB = 1024 * 1024
/** WebAssembly memory never shrinks: a process grown past this is replaced after its call. */
const RESTART_ABOVE_BYTES = 512 * MB
/** Compiled code kept in a process; the oldest is forgotten first. */
const MAX_COMPILED = 256
/** V8's own heap in a sandbox process (Python's memory is WebAssembly memory, outside it). */
const SANDBOX_V8_HEAP_MB = 128

export type LogLine = [level: 'info' | 'warn', text: string]

export interface CallRequest {
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

/**
 * A started sandbox process as the pool sees it: structured-clone messages both ways, an exit,
 * and a way to end it. Node's fork and Electron's utilityProcess both fit in a few lines.
 */
export interface SandboxChannel {
  post(message: unknown): void
  onMessage(listener: (message: unknown) => void): void
  /** Called once when the process has gone, whatever the reason. */
  onExit(listener: (reason: string) => void): void
  /** Ends the process now (SIGKILL or the platform's equivalent). */
  kill(): void
  /** Whether the channel keeps the host's event loop alive. */
  ref(): void
  unref(): void
}

export interface SandboxSpec {
  /** The sandbox process's entry script. */
  entry: string
  /** Every file and folder the process needs to read; it needs nothing else. */
  readable: string[]
}

/** Starts one sandbox process; injectable so the Electron entry can use its utility processes. */
export type SandboxLauncher = (spec: SandboxSpec) => SandboxChannel

/** Node's permission flags for a process that may only read `readable`. */
export function permissionFlags(readable: string[]): string[] {
  // Node 20 knows only the experimental name; later versions deprecate it.
  const permission = process.allowedNodeEnvironmentFlags.has('--permission')
    ? '--permission'
    : '--experimental-permission'
  return [
    permission,
    ...readable.map((entry) => `--allow-fs-read=${entry}`),
    `--max-old-space-size=${SANDBOX_V8_HEAP_MB}`,
    '--disable-warning=ExperimentalWarning',
  ]
}

/** The default launcher: this Node binary, forked with the permission model and an empty env. */
export const nodeLauncher: SandboxLauncher = (spec) => {
  const child: ChildProcess = fork(spec.entry, [], {
    execPath: process.execPath,
    execArgv: permissionFlags(spec.readable),
    env: {},
    serialization: 'advanced',
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  })
  return {
    post: (message) => {
      if (child.connected) child.send(message as never)
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => {
      let done = false
      const once = (reason: string) => {
        if (!done) listener(reason)
        done = true
      }
      child.once('exit', (code, signal) => once(`exited (${signal ?? code})`))
      child.once('error', (error) => once(error.message))
    },
    kill: () => {
      child.kill('SIGKILL')
    },
    ref: () => {
      child.ref()
      child.channel?.ref()
    },
    unref: () => {
      child.unref()
      child.channel?.unref()
    },
  }
}

type Reply = [
  id: number,
  output: string | null,
  logs: LogLine[],
  heapBytes: number,
  fatal: string | null,
]

function pyodideDir(): string {
  return realpathSync(path.dirname(createRequire(import.meta.url).resolve('pyodide/package.json')))
}

function sandboxSpec(): SandboxSpec & { pyodideDir: string; sandboxFile: string } {
  // Written as `new URL(…, import.meta.url)` so bundlers can see the two files this needs.
  const entry = realpathSync(fileURLToPath(new URL('./sandbox-process.mjs', import.meta.url)))
  const sandboxFile = realpathSync(fileURLToPath(new URL('./sandbox.py', import.meta.url)))
  const dir = pyodideDir()
  return { entry, sandboxFile, pyodideDir: dir, readable: [entry, sandboxFile, dir] }
}

/** One started process; it is replaced after a timeout, a memory overrun or a crash. */
class SandboxProcess {
  readonly ready: Promise<void>
  /** Settles when the process has gone. */
  readonly exited: Promise<void>
  private markExited: () => void = () => undefined
  /** Code keys compiled in this process, oldest first. */
  readonly compiled = new Set<number>()
  dead = false
  busy = false
  private channel: SandboxChannel | null = null
  private readonly queued: unknown[][] = []
  private onReply: ((reply: Reply) => void) | null = null
  private onDeath: ((error: Error) => void) | null = null

  /** `start` is the first message; the process is launched once it is known. */
  constructor(
    launch: () => SandboxChannel,
    start: Promise<Record<string, unknown>>,
    onSnapshot: (image: Uint8Array) => void,
  ) {
    this.exited = new Promise<void>((resolve) => (this.markExited = resolve))
    this.ready = start.then(
      (first) =>
        new Promise<void>((resolve, reject) => {
          if (this.dead) {
            reject(new CodeFailure('sandbox', 'The Python process was stopped'))
            return
          }
          const channel = (this.channel = launch())
          channel.onMessage((raw) => {
            const message = raw as unknown[]
            if (message[0] === 'ready') resolve()
            else if (message[0] === 'snapshot') onSnapshot(message[1] as Uint8Array)
            else this.onReply?.(message as Reply)
          })
          channel.onExit((reason) => {
            this.markExited()
            this.dead = true
            const error = new CodeFailure('sandbox', `The Python process stopped: ${reason}`)
            reject(error)
            this.onDeath?.(error)
          })
          channel.post(['start', first])
          if (this.busy) channel.ref()
          else channel.unref()
          for (const message of this.queued.splice(0)) channel.post(message)
        }),
    )
    // Nobody may be waiting yet; a start that fails is reported to the first call.
    this.ready.catch(() => undefined)
  }

  /** Sends one call and waits for its reply (or for the process to die). */
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
      this.post(message)
    })
  }

  post(message: unknown[]): void {
    if (this.dead) return
    if (this.channel) this.channel.post(message)
    else this.queued.push(message)
  }

  /** Whether the process keeps the host alive: only while it has a call. */
  hold(busy: boolean): void {
    this.busy = busy
    if (busy) this.channel?.ref()
    else this.channel?.unref()
  }

  /** Ends the process; a call in progress fails with `reason` now, not when the process exits. */
  end(reason: Error = new CodeFailure('sandbox', 'The Python process was stopped')): void {
    this.dead = true
    this.onDeath?.(reason)
    this.channel?.kill()
  }
}

export interface PythonHostOptions {
  /** Processes that run calls in parallel (default: min(2, cores)). */
  processes?: number
  launcher?: SandboxLauncher
}

export class PythonHost {
  private readonly size: number
  private readonly launcher: SandboxLauncher
  private readonly spec = sandboxSpec()
  private readonly pool: (SandboxProcess | null)[]
  private readonly waiting: ((slot: number) => void)[] = []
  private nextId = 1
  private readonly codeKeys = new Map<string, number>()
  private nextKey = 1
  /** The interpreter's memory right after start-up, for quick starts of later processes. */
  private snapshot: Uint8Array | null = null
  private snapshotReady: Promise<void> | null = null

  constructor(options: PythonHostOptions = {}) {
    const fromEnv = Number(process.env.FLOWBENCH_PYTHON_PROCESSES) || undefined
    this.size = Math.max(1, options.processes ?? fromEnv ?? Math.min(2, availableParallelism()))
    this.launcher = options.launcher ?? nodeLauncher
    this.pool = Array.from({ length: this.size }, () => null)
  }

  /**
   * Starts every process of the pool now, so the first calls find Python ready; resolves when it
   * is ready in all of them. Until then the starting processes keep the host alive.
   */
  async warmUp(): Promise<void> {
    await Promise.all(
      this.pool.map(async (_, slot) => {
        const process = this.started(slot)
        if (process.busy) return process.ready
        // Held like a call, so no call takes the slot meanwhile and finds it released early.
        process.hold(true)
        try {
          await process.ready
        } finally {
          if (this.pool[slot] === process) this.release(slot)
        }
      }),
    )
  }

  async call(request: CallRequest): Promise<CallReply> {
    if (request.signal.aborted) throw new Error('The run was cancelled')
    const slot = await this.acquire()
    try {
      return await this.run(slot, request)
    } finally {
      this.release(slot)
    }
  }

  /** Ends every process; the next call starts new ones. */
  stop(): void {
    for (let slot = 0; slot < this.size; slot++) {
      const process = this.pool[slot]
      if (process) this.retire(slot, process)
    }
  }

  private retire(slot: number, process: SandboxProcess, reason?: Error): void {
    if (this.pool[slot] === process) this.pool[slot] = null
    process.end(reason)
  }

  private freeSlot(): number {
    return this.pool.findIndex((process) => !process?.busy)
  }

  /** A slot for one call: a free one now, or the first to be released. */
  private acquire(): Promise<number> {
    const free = this.freeSlot()
    if (free >= 0) {
      this.started(free).hold(true)
      return Promise.resolve(free)
    }
    return new Promise<number>((resolve) => this.waiting.push(resolve))
  }

  private release(slot: number): void {
    const next = this.waiting.shift()
    if (next) {
      // Handed on directly, so no call that arrives meanwhile can take the slot first.
      this.started(slot).hold(true)
      next(slot)
    } else this.pool[slot]?.hold(false)
  }

  /** The slot's process, started if it has none (or a dead one). */
  private started(slot: number): SandboxProcess {
    const current = this.pool[slot]
    if (current && !current.dead) return current
    const process = this.launch()
    this.pool[slot] = process
    return process
  }

  private launch(): SandboxProcess {
    const { entry, readable, pyodideDir, sandboxFile } = this.spec
    const launch = () => this.launcher({ entry, readable })
    const message = (snapshot: Uint8Array | null) => ({ pyodideDir, sandboxFile, snapshot })
    let imaged: (image: Uint8Array | null) => void = () => undefined
    const keep = (image: Uint8Array) => {
      this.snapshot ??= image
      imaged(this.snapshot)
    }
    if (this.snapshot)
      return new SandboxProcess(launch, Promise.resolve(message(this.snapshot)), keep)
    if (this.snapshotReady)
      // Later processes wait for the first one's memory image rather than each starting Python
      // from scratch, which costs more than the wait on a small machine.
      return new SandboxProcess(
        launch,
        this.snapshotReady.then(() => message(this.snapshot)),
        keep,
      )
    const image = new Promise<Uint8Array | null>((resolve) => (imaged = resolve))
    this.snapshotReady = image.then(() => undefined)
    const first = new SandboxProcess(launch, Promise.resolve(message(null)), keep)
    // A first process that dies before sending its image lets the others start without one.
    first.ready.then(
      () => first.exited.then(() => imaged(null)),
      () => {
        this.snapshotReady = null
        imaged(null)
      },
    )
    return first
  }

  private async run(slot: number, request: CallRequest): Promise<CallReply> {
    let process = this.started(slot)
    await process.ready.catch(async () => {
      // A process that failed to start is replaced once; a second failure is the call's.
      process = this.started(slot)
      process.hold(true)
      await process.ready
    })

    let key = this.codeKeys.get(request.code)
    if (key === undefined) {
      key = this.nextKey++
      if (this.codeKeys.size >= MAX_COMPILED * 4) this.codeKeys.clear()
      this.codeKeys.set(request.code, key)
    }
    let code: string | null = null
    if (!process.compiled.has(key)) {
      if (process.compiled.size >= MAX_COMPILED) {
        const oldest = process.compiled.values().next().value!
        process.compiled.delete(oldest)
        process.post(['forget', oldest])
      }
      code = request.code
      process.compiled.add(key)
    }

    const id = this.nextId++
    let stopped: Error | null = null
    const stop = (reason: Error) => {
      if (stopped) return
      stopped = reason
      this.retire(slot, process, reason)
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
    const onAbort = () => stop(new Error('The run was cancelled'))
    request.signal.addEventListener('abort', onAbort, { once: true })
    try {
      const reply = await process.send(
        [
          'call',
          id,
          key,
          code,
          JSON.stringify(request.ports),
          request.input,
          request.memoryMb * MB,
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
      // The interpreter's memory does not shrink: a process that grew past the call's limit
      // (its code hit MemoryError) or past the ceiling is replaced before it serves again.
      if (heapBytes > RESTART_ABOVE_BYTES || output.startsWith('{"error":{"code":"memory-limit"'))
        this.retire(slot, process)
      return { output, logs }
    } catch (error) {
      throw stopped ?? error
    } finally {
      clearTimeout(timer)
      request.signal.removeEventListener('abort', onAbort)
    }
  }
}

let host: PythonHost | null = null
let configured: PythonHostOptions = {}

/**
 * Sets how the process's Python host starts its sandboxes (the Electron entry passes a launcher
 * built on utilityProcess). Takes effect for the host created next; call it before first use.
 */
export function configurePython(options: PythonHostOptions): void {
  configured = options
  if (host) {
    host.stop()
    host = null
  }
}

/** The process's Python host, created on first use. */
export function pythonHost(): PythonHost {
  host ??= new PythonHost(configured)
  return host
}
