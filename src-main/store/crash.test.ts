import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'esbuild'
import { beforeAll, describe, expect, it } from 'vitest'
import { repoRoot } from '../../test/fixtures/flows'
import { DATABASE_FILE, Store } from './store'

let writer = ''

beforeAll(async () => {
  // Bundled once, so each of the many child processes starts in a fraction of a second.
  // Inside the repository, so the bundle's imports of npm packages resolve.
  writer = path.join(repoRoot, 'node_modules', '.cache', 'flowbench-tests', 'store-writer.mjs')
  await build({ entryPoints: [path.join(repoRoot, 'test/store-writer.ts')], bundle: true, platform: 'node', format: 'esm', outfile: writer, packages: 'external', logLevel: 'warning', absWorkingDir: repoRoot })
})

interface Acks {
  draft: number
  purchases: number
  runs: string[]
}

/** Runs the writer, kills it with SIGKILL a random moment after its first acknowledged write. */
function runAndKill(dataDir: string, delayMs: number): Promise<Acks> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, dataDir, path.join(repoRoot, 'resources/samples/vip-tagging/flow.json')], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const acks: Acks = { draft: 0, purchases: 0, runs: [] }
    let buffer = ''
    let stderr = ''
    let timer: ReturnType<typeof setTimeout> | null = null
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const lines = buffer.split('\n')
      buffer = lines.pop()!
      for (const line of lines) {
        const [word, kind, value] = line.split(' ')
        if (word !== 'ack') continue
        if (kind === 'draft') acks.draft = Number(value)
        if (kind === 'purchases') acks.purchases = Number(value)
        if (kind === 'run') acks.runs.push(value!)
        timer ??= setTimeout(() => child.kill('SIGKILL'), delayMs)
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')))
    child.on('exit', (_code, signal) => {
      if (timer) clearTimeout(timer)
      if (signal !== 'SIGKILL') reject(new Error(`writer exited on its own: ${stderr}`))
      else resolve(acks)
    })
  })
}

describe('crash safety', () => {
  it('keeps every acknowledged write and a sound database across 30 SIGKILLs', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-crash-'))
    const allRuns: string[] = []
    for (let round = 0; round < 30; round++) {
      const acks = await runAndKill(dataDir, 20 + Math.floor(Math.random() * 300))
      allRuns.push(...acks.runs)

      const raw = new Database(path.join(dataDir, DATABASE_FILE))
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok')
      raw.close()

      const store = Store.open(dataDir)
      expect(store.recovered).toBeNull()
      expect(store.getFlow('crash-test').draft.version).toBeGreaterThanOrEqual(acks.draft)
      expect(store.state.loadProfile('crash-profile')!.traits.purchases as number).toBeGreaterThanOrEqual(acks.purchases)
      for (const runId of acks.runs) expect(store.getRun(runId), `run ${runId} of round ${round}`).not.toBeNull()
      store.close()
    }
    expect(allRuns.length).toBeGreaterThan(30)
  }, 120000)
})
