/** Store benchmarks (issue: Store): autosave of a big draft, runs with the SQLite state store, opening a big database. */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ExecutionReport } from '../src-shared/engine/report'
import { Store } from '../src-main/store/store'
import { bigFlow, engineThroughput } from './engine.bench'
import type { BenchCase } from './harness'

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

const round2 = (n: number) => Math.round(n * 100) / 100

function fakeReport(i: number): ExecutionReport {
  const flowId = `flow-${i % 20}`
  return {
    runId: `run-${i}`,
    flowId,
    flowVersion: 1,
    status: i % 17 === 0 ? 'failed' : 'succeeded',
    success: i % 17 !== 0,
    startedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    finishedAt: new Date(Date.UTC(2026, 0, 1) + i * 1000 + 2).toISOString(),
    durationMs: 2,
    trigger: { type: 'manual', nodeId: 'start', plugin: 'trigger.manual' },
    trace: 'summary',
    state: { event: { id: `e-${i}`, type: 'purchase', properties: { total: i % 500 } }, profile: { id: `p-${i % 1000}`, traits: { orders: i % 9 } }, session: {}, flow: {} },
    changes: { profile: [{ op: 'replace', path: '/traits/orders', value: i % 9 }], session: [], event: [] },
    nodes: Array.from({ length: 6 }, (_, n) => ({ nodeId: `n${n}`, plugin: 'data.set', label: null, status: 'ok' as const, sequence: n + 1, attempts: 1, startedAt: '2026-01-01T00:00:00.000Z', durationMs: 0.01, input: { port: 'payload', edgeId: `e${n}` }, outputs: [{ port: 'payload' }], logs: [], error: null })),
    edges: {},
    errors: [],
  }
}

export const storeBench: BenchCase = {
  group: 'store',
  async run() {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-store-'))
    try {
      // Autosave: saveDraft of a 200-node flow.
      const store = Store.open(path.join(dir, 'drafts'))
      const flow = { ...bigFlow(200), id: 'big' }
      store.createFlow(flow)
      let version = 1
      const times: number[] = []
      for (let i = 0; i < 200; i++) {
        const draft = { ...flow, description: `edit ${i}` }
        const t0 = performance.now()
        version = store.saveDraft('big', version, draft).version
        times.push(performance.now() - t0)
      }
      store.close()

      // The 10-node flow with profiles loaded from and saved to SQLite for every event.
      const stateStore = Store.open(path.join(dir, 'state'))
      const sqliteEvents = await engineThroughput(stateStore.state, 'summary', 2000)
      stateStore.close()

      // Opening a database that holds 100,000 runs.
      const bigDir = path.join(dir, 'runs')
      const runs = Store.open(bigDir, { retention: 1_000_000 })
      const insert = runs.db.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) runs.recordRun(fakeReport(i))
      })
      for (let i = 0; i < 100_000; i += 10_000) insert(i, i + 10_000)
      runs.close()
      const opens: number[] = []
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now()
        const opened = Store.open(bigDir, { retention: 1_000_000 })
        opens.push(performance.now() - t0)
        opened.close()
      }

      return [
        { name: 'flows.saveDraft of a 200-node flow (median)', value: round2(median(times)), unit: 'ms', target: { value: 5, better: 'lower' } },
        { name: '10-node flow with the SQLite state store', value: Math.round(sqliteEvents), unit: 'events/s', target: { value: 5000, better: 'higher' } },
        { name: 'open a database holding 100,000 runs (median)', value: round2(median(opens)), unit: 'ms', target: { value: 300, better: 'lower' } },
      ]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
