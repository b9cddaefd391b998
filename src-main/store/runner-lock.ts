/**
 * One runner per data directory. `flowbench serve` and the app's local runner both work the
 * serve journal; two of them on one directory would run events twice and overwrite each
 * other's profile updates.
 *
 * The lock is SQLite's own file lock on a small separate database, `runner.lock`: an exclusive
 * transaction opened at start and held for the process's lifetime. SQLite takes it with POSIX
 * advisory locks (LockFileEx on Windows), which the OS drops when the process ends however it
 * ends, so a crash or SIGKILL can never leave a stale lock behind — unlike a pid file alone,
 * whose pid may be reused. The pid file next to it only tells a refused second runner who holds
 * the lock; it is never trusted to decide.
 */
import Database from 'better-sqlite3'
import type { Database as SqliteDatabase } from 'better-sqlite3'
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const RUNNER_LOCK_FILE = 'runner.lock'
export const RUNNER_PID_FILE = 'runner.pid'

export interface RunnerHolder {
  pid: number
  what: string
  host: string
  startedAt: string
}

export class RunnerBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly holder: RunnerHolder | null,
  ) {
    super(
      holder
        ? `The data directory ${dataDir} is already run by ${holder.what} (pid ${holder.pid}` +
            `${holder.host === os.hostname() ? '' : ` on ${holder.host}`}, since ${holder.startedAt}); ` +
            'stop it first or use another data directory'
        : `The data directory ${dataDir} is already run by another process; stop it first or use another data directory`,
    )
    this.name = 'RunnerBusyError'
  }
}

export interface RunnerLock {
  readonly dataDir: string
  release(): void
}

function readHolder(file: string): RunnerHolder | null {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunnerHolder>
    if (typeof value.pid !== 'number') return null
    return {
      pid: value.pid,
      what: typeof value.what === 'string' ? value.what : 'another runner',
      host: typeof value.host === 'string' ? value.host : os.hostname(),
      startedAt: typeof value.startedAt === 'string' ? value.startedAt : 'an unknown time',
    }
  } catch {
    return null
  }
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY')
}

/**
 * Takes the runner lock of `dataDir` or throws RunnerBusyError naming the holder. `what` says
 * who holds it ("flowbench serve", "the Flowbench app") in the other process's message.
 */
export function acquireRunnerLock(
  dataDir: string,
  options: { what: string; nativeBinding?: string },
): RunnerLock {
  mkdirSync(dataDir, { recursive: true })
  const lockFile = path.join(dataDir, RUNNER_LOCK_FILE)
  const pidFile = path.join(dataDir, RUNNER_PID_FILE)
  // timeout 0: a held lock is an answer now, not after a wait.
  let db: SqliteDatabase | null = new Database(lockFile, {
    nativeBinding: options.nativeBinding,
    timeout: 0,
  })
  try {
    // Nothing is ever written: the transaction exists only for its lock, which EXCLUSIVE
    // locking mode keeps until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE')
    db.exec('BEGIN EXCLUSIVE')
  } catch (error) {
    db.close()
    if (!isBusy(error)) throw error
    // The holder writes its pid file just after locking; a moment's grace names it reliably.
    let holder = readHolder(pidFile)
    if (!holder) {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
      holder = readHolder(pidFile)
    }
    throw new RunnerBusyError(dataDir, holder)
  }
  const holder: RunnerHolder = {
    pid: process.pid,
    what: options.what,
    host: os.hostname(),
    startedAt: new Date().toISOString(),
  }
  const temp = `${pidFile}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify(holder) + '\n')
  renameSync(temp, pidFile)
  return {
    dataDir,
    release() {
      if (!db) return
      if (readHolder(pidFile)?.pid === process.pid) {
        try {
          unlinkSync(pidFile)
        } catch {
          // Already gone: nothing to tidy.
        }
      }
      db.close() // Ends the transaction and drops the lock.
      db = null
    },
  }
}
