/**
 * The kill test: a child process writes to the store in a tight loop and is killed with
 * SIGKILL at a random moment. Every write it acknowledged must be there afterwards and the
 * database must pass integrity_check — 30 times over one data directory, so each round also
 * starts from the WAL the previous kill left behind.
 */
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../../test/fixtures/flows'
import { DATABASE_FILE, Store } from './store'
import { integrityCheck, tempDir } from './test-support'

const ROUNDS = 30

interface Acks {
  draft: number
  runs: string[]
  events: string[]
  count: number
  /** Size of the WAL the kill left behind. */
  walBytes: number
}

function walSize(dataDir: string): number {
  try {
    return statSync(path.join(dataDir, `${DATABASE_FILE}-wal`)).size
  } catch {
    return 0
  }
}

/** Starts the writer and kills it 50–400 ms after its first acknowledged write. */
function runAndKill(dataDir: string): Promise<Acks> {
  const delayMs = 50 + Math.floor(Math.random() * 350)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'test/store-writer.ts', dataDir], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const acks: Acks = { draft: 0, runs: [], events: [], count: 0, walBytes: 0 }
    let pending = ''
    let stderr = ''
    let killTimer: ReturnType<typeof setTimeout> | null = null
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      // A line cut short by the kill was never fully acknowledged: it stays in `pending`.
      pending = lines.pop()!
      for (const line of lines) {
        const [word, kind, id, value] = line.split(' ')
        if (word !== 'ack') continue
        if (kind === 'draft') acks.draft = Number(id)
        else if (kind === 'run') acks.runs.push(id!)
        else if (kind === 'commit') {
          acks.events.push(id!)
          acks.count = Number(value)
        }
        killTimer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (killTimer) clearTimeout(killTimer)
      if (signal !== 'SIGKILL')
        reject(new Error(`the writer exited by itself (${code}): ${stderr}`))
      else resolve({ ...acks, walBytes: walSize(dataDir) })
    })
  })
}

describe('crash safety', () => {
  // About 25 s on a quiet 2-core machine (tsx starts each writer in ~0.5 s); the timeout leaves
  // room for a busy one.
  it(`keeps every acknowledged write and a sound database across ${ROUNDS} SIGKILLs`, async () => {
    const dataDir = tempDir()
    let runsChecked = 0
    let roundsWithWal = 0
    for (let round = 0; round < ROUNDS; round++) {
      const acks = await runAndKill(dataDir)
      expect(acks.draft, `round ${round}: no draft acked`).toBeGreaterThan(0)
      if (acks.walBytes > 0) roundsWithWal++

      // The Store itself recovers the WAL the kill left, as the app would on its next start.
      const store = Store.open(dataDir, { retention: 1_000_000 })
      expect(store.recovered, `round ${round}`).toBeNull()
      expect(integrityCheck(store.file), `round ${round}`).toBe('ok')
      expect(store.getFlow('crash-test').draft.version).toBeGreaterThanOrEqual(acks.draft)
      for (const runId of acks.runs)
        expect(store.findRun(runId), `round ${round}: run ${runId}`).not.toBeNull()
      for (const eventId of acks.events) {
        expect(store.state.getEvent(eventId), `round ${round}: event ${eventId}`).not.toBeNull()
      }
      expect(
        Number(store.state.loadProfile('crash-profile')?.traits.count ?? 0),
      ).toBeGreaterThanOrEqual(acks.count)
      runsChecked += acks.runs.length
      store.close()
    }
    expect(runsChecked).toBeGreaterThan(ROUNDS)
    // The kills landed while the WAL held unmerged commits, so recovery was really exercised.
    expect(roundsWithWal).toBeGreaterThan(0)
  }, 90_000)
})
