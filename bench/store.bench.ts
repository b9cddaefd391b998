/**
 * Store benchmarks: autosave of a big draft, the engine on the SQLite state store, and
 * opening a database that holds 100,000 runs.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExecutionReport } from '../src-shared/engine/report'
import { Engine } from '../src-main/engine/runner'
import { MemoryStateStore } from '../src-main/engine/state-store'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { DATABASE_FILE, Store } from '../src-main/store/store'
import { benchEvent, bigFlow, engineThroughput, tenNodeFlow } from './engine.bench'
import type { BenchCase, Figure } from './harness'

const RUNS_IN_BIG_DATABASE = 100_000

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const round2 = (n: number) => Math.round(n * 100) / 100

async function saveDraftMs(dir: string): Promise<number> {
  const store = Store.open(dir)
  try {
    const flow = { ...bigFlow(200), id: 'big' }
    store.createFlow(flow)
    let version = 1
    // Warm-up: statement preparation and JIT are not what an autosave costs.
    for (let i = 0; i < 20; i++) {
      version = store.saveDraft('big', version, { ...flow, description: `warm ${i}` }).version
    }
    const times: number[] = []
    for (let i = 0; i < 200; i++) {
      const draft = { ...flow, description: `edit ${i}` }
      const t0 = performance.now()
      version = store.saveDraft('big', version, draft).version
      times.push(performance.now() - t0)
    }
    return median(times)
  } finally {
    store.close()
  }
}

async function sqliteEventsPerSecond(dir: string): Promise<number> {
  const store = Store.open(dir)
  try {
    return await engineThroughput(store.state, 'summary')
  } finally {
    store.close()
  }
}

/** Real summary reports of the 10-node flow (about 4 KB each), varied in id, flow and time. */
async function reportTemplates(count: number): Promise<ExecutionReport[]> {
  const engine = new Engine({
    plugins: PluginRegistry.withBuiltins(),
    store: new MemoryStateStore(),
  })
  const loaded = engine.load(tenNodeFlow())
  const reports: ExecutionReport[] = []
  for (let i = 0; i < count; i++) {
    reports.push(await engine.run(loaded, { event: benchEvent(i), trace: 'summary' }))
  }
  return reports
}

async function buildRunsDatabase(dir: string): Promise<number> {
  const templates = await reportTemplates(200)
  const store = Store.open(dir, { retention: RUNS_IN_BIG_DATABASE })
  const start = Date.UTC(2026, 0, 1)
  const insert = (from: number, to: number) =>
    store.inTransaction(() => {
      for (let i = from; i < to; i++) {
        const template = templates[i % templates.length]!
        const startedAt = new Date(start + i * 1000).toISOString()
        store.recordRun({ ...template, runId: `run-${i}`, flowId: `flow-${i % 20}`, startedAt })
      }
    })
  for (let i = 0; i < RUNS_IN_BIG_DATABASE; i += 10_000) insert(i, i + 10_000)
  store.close()
  return statSync(path.join(dir, DATABASE_FILE)).size
}

async function openFigures(dir: string): Promise<{ openMs: number; checkMs: number | null }> {
  const opens: number[] = []
  const checks: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    const store = Store.open(dir, { retention: RUNS_IN_BIG_DATABASE })
    opens.push(performance.now() - t0)
    // Let the background check finish, so the next open does not compete with it for the CPU.
    if (store.backgroundCheck) {
      const outcome = await store.backgroundCheck
      if (!outcome.ok) throw new Error(`the benchmark database fails its check: ${outcome.detail}`)
      checks.push(performance.now() - t0)
    }
    store.close()
  }
  return { openMs: median(opens), checkMs: checks.length ? median(checks) : null }
}

export const storeBench: BenchCase = {
  group: 'store',
  async run() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-store-'))
    try {
      const draftMs = await saveDraftMs(path.join(dir, 'drafts'))
      const eventsPerSecond = await sqliteEventsPerSecond(path.join(dir, 'state'))
      const bytes = await buildRunsDatabase(path.join(dir, 'runs'))
      const { openMs, checkMs } = await openFigures(path.join(dir, 'runs'))
      const figures: Figure[] = [
        {
          name: 'flows.saveDraft of a 200-node flow (median)',
          value: round2(draftMs),
          unit: 'ms',
          target: { value: 5, better: 'lower' },
        },
        {
          name: '10-node flow with the SQLite state store (profile loaded and saved per event)',
          value: Math.round(eventsPerSecond),
          unit: 'events/s',
          target: { value: 10000, better: 'higher' },
        },
        {
          name: `open a database holding 100,000 runs (${Math.round(bytes / 1024 / 1024)} MB, median)`,
          value: round2(openMs),
          unit: 'ms',
          target: { value: 300, better: 'lower' },
        },
      ]
      if (checkMs !== null) {
        figures.push({
          name: 'its full integrity check, in a worker after opening (median)',
          value: Math.round(checkMs),
          unit: 'ms',
        })
      }
      return figures
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
