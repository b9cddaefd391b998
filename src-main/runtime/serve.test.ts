import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { repoRoot, sampleFlow } from '../../test/fixtures/flows'
import { PluginRegistry } from '../plugins-host/registry'
import { Store } from '../store/store'
import type { Server } from './serve'
import { serve } from './serve'

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.join(repoRoot, 'test/fixtures/serve', name), 'utf8')) as Flow
const registry = PluginRegistry.withBuiltins()
const quiet = () => {}

describe('flowbench serve over HTTP', () => {
  let server: Server
  let store: Store
  const token = 'serve-secret'
  const call = (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    })

  beforeAll(async () => {
    store = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-serve-')))
    server = await serve({
      flows: [
        { flow: fixture('orders.flow.json'), revision: 4 },
        { flow: sampleFlow('vip-tagging'), revision: 2 },
        { flow: fixture('ticker.flow.json'), revision: 1 },
      ],
      store,
      plugins: registry,
      port: 0,
      token,
      bodyLimit: 4096,
      log: quiet,
    })
  })
  afterAll(async () => {
    await server.close()
    store.close()
  })

  it('answers /healthz without a token and everything else only with it', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    expect((await fetch(`${server.url}/api/flows`)).status).toBe(401)
    expect(
      (await call('GET', '/api/flows', undefined, { authorization: 'Bearer nope' })).status,
    ).toBe(401)
  })

  it('journals a webhook event, acknowledges it, and runs it', async () => {
    const res = await call('POST', '/hooks/orders', { customer: 'ann', total: 30 })
    expect(res.status).toBe(202)
    expect(await res.json()).toMatchObject({ accepted: true })
    await server.drained()
    expect(store.state.loadProfile('ann')!.traits).toMatchObject({ orders: 1, spent: 30 })
    expect(store.listRuns({ flowId: 'orders-hook' }).runs[0]).toMatchObject({
      flowVersion: 4,
      status: 'succeeded',
    })
  })

  it('makes a retried delivery with the same Idempotency-Key a no-op', async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (
          await call(
            'POST',
            '/hooks/orders',
            { customer: 'bob', total: 5 },
            { 'idempotency-key': 'delivery-1' },
          )
        ).status,
      ).toBe(202)
    await server.drained()
    expect(store.state.loadProfile('bob')!.traits).toMatchObject({ orders: 1 })
  })

  it('serves the API: flows, one flow, a run, a report', async () => {
    const list = (await (await call('GET', '/api/flows')).json()) as {
      id: string
      revision: number
    }[]
    expect(list.map((f) => f.id).sort()).toEqual(['orders-hook', 'ticker', 'vip-tagging'])
    expect(await (await call('GET', '/api/flows/vip-tagging')).json()).toMatchObject({
      id: 'vip-tagging',
      revision: 2,
    })
    const report = (await (
      await call('POST', '/api/flows/vip-tagging/runs', {
        event: { type: 'purchase', profileId: 'cy', properties: { total: 2000 } },
      })
    ).json()) as { runId: string; status: string; state: { profile: { segments: string[] } } }
    expect(report.status).toBe('succeeded')
    expect(report.state.profile.segments).toEqual(['vip'])
    expect(await (await call('GET', `/api/runs/${report.runId}`)).json()).toMatchObject({
      runId: report.runId,
      flowId: 'vip-tagging',
    })
    const withProfile = (await (
      await call('POST', '/api/flows/vip-tagging/runs', {
        event: { type: 'purchase', properties: { total: 1 } },
        profile: { id: 'dee', traits: { totalSpent: 999 } },
      })
    ).json()) as { state: { profile: { traits: { vip: boolean } } } }
    expect(withProfile.state.profile.traits.vip).toBe(true)
  })

  it('refuses unknown flows (404), malformed JSON (400) and big bodies (413)', async () => {
    expect((await call('GET', '/api/flows/nope')).status).toBe(404)
    expect((await call('POST', '/hooks/unknown', {})).status).toBe(404)
    expect((await call('POST', '/hooks/orders', '{"broken')).status).toBe(400)
    expect((await call('POST', '/hooks/orders', { pad: 'x'.repeat(5000) })).status).toBe(413)
    expect((await call('GET', '/hooks/orders')).status).toBe(405)
  })

  it('runs schedules', async () => {
    await new Promise((r) => setTimeout(r, 1300))
    await server.drained()
    expect(store.listRuns({ flowId: 'ticker' }).total).toBeGreaterThanOrEqual(1)
  })

  it('refuses to listen beyond loopback without a token', async () => {
    await expect(
      serve({
        flows: [{ flow: fixture('orders.flow.json'), revision: 1 }],
        store,
        plugins: registry,
        host: '0.0.0.0',
        port: 0,
        log: quiet,
      }),
    ).rejects.toThrow(/without a token/)
  })
})

describe('durability', () => {
  /** Starts `flowbench serve` as a child process; resolves with its port once it listens. */
  function start(dir: string, dataDir: string) {
    const child = spawn(
      process.execPath,
      [path.join(repoRoot, 'bin/flowbench.js'), 'serve', dir, '--port', '0', '--data-dir', dataDir],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const ready = new Promise<number>((resolve, reject) => {
      let buffer = ''
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        const match = /"msg":"serving".*?"port":(\d+)/.exec(buffer)
        if (match) resolve(Number(match[1]))
      })
      child.on('exit', (code) => reject(new Error(`serve exited early (${code})`)))
    })
    return { child, ready }
  }

  it('runs every acknowledged event exactly once across a SIGKILL', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-durable-'))
    const dir = path.join(repoRoot, 'test/fixtures/serve')
    const first = start(dir, dataDir)
    const port = await first.ready
    const acked: number[] = []
    let killed = false
    const post = async (i: number) => {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/hooks/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ customer: `c${i % 10}`, total: 1 }),
        })
        if (res.status === 202) acked.push(Number(((await res.json()) as { id: string }).id))
      } catch {
        // Refused or cut off by the kill: not acknowledged, so no promise was made.
      }
    }
    const sends: Promise<void>[] = []
    for (let i = 0; i < 500; i++) {
      sends.push(post(i))
      if (i % 25 === 24) await Promise.all(sends.splice(0))
      if (i === 300) {
        first.child.kill('SIGKILL')
        killed = true
      }
    }
    await Promise.all(sends)
    expect(killed).toBe(true)
    expect(acked.length).toBeGreaterThan(100)

    const second = start(dir, dataDir)
    const port2 = await second.ready
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${port2}/healthz`)).json()) as {
        pending: number
      }
      if (health.pending === 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    second.child.kill('SIGTERM')
    await new Promise((r) => second.child.on('exit', r))

    const store = Store.open(dataDir)
    const rows = [...store.journalEntries({ flowId: 'orders-hook' })]
    const bySeq = new Map(rows.map((r) => [r.seq, r]))
    for (const seq of acked) {
      const row = bySeq.get(seq)!
      expect(row.status, `event ${seq}`).toBe('done')
      expect(store.getRun(row.runId!)).toMatchObject({ flowId: 'orders-hook' })
    }
    expect(store.listRuns({ flowId: 'orders-hook' }).total).toBe(rows.length)
    const orders = [...Array(10).keys()].reduce(
      (n, i) => n + ((store.state.loadProfile(`c${i}`)?.traits.orders as number | undefined) ?? 0),
      0,
    )
    expect(orders).toBe(rows.length)
    store.close()
  }, 60000)

  it('runs the events a SIGKILL caught in flight on flow threads once each after a restart', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-inflight-'))
    const dir = path.join(repoRoot, 'test/fixtures/serve-slow')
    const first = start(dir, dataDir)
    const port = await first.ready
    const sends = []
    for (let i = 0; i < 40; i++)
      sends.push(
        fetch(`http://127.0.0.1:${port}/hooks/slow-orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ customer: `c${i % 10}` }),
        }),
      )
    const acked = await Promise.all(
      sends.map(async (s) => {
        const res = await s
        expect(res.status).toBe(202)
        return Number(((await res.json()) as { id: string }).id)
      }),
    )
    // Kill once some runs finished: others are then running on the threads (each takes 100 ms).
    for (;;) {
      const { pending } = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
        pending: number
      }
      if (pending <= 30) {
        expect(pending).toBeGreaterThan(0)
        break
      }
      await new Promise((r) => setTimeout(r, 5))
    }
    first.child.kill('SIGKILL')
    await new Promise((r) => first.child.on('exit', r))

    const second = start(dir, dataDir)
    const port2 = await second.ready
    for (;;) {
      const health = (await (await fetch(`http://127.0.0.1:${port2}/healthz`)).json()) as {
        pending: number
      }
      if (health.pending === 0) break
      await new Promise((r) => setTimeout(r, 50))
    }
    second.child.kill('SIGTERM')
    await new Promise((r) => second.child.on('exit', r))

    const store = Store.open(dataDir)
    const rows = store.journal.recentDeliveries(1000)
    expect(rows.map((r) => r.seq).sort((a, b) => a - b)).toEqual(acked.sort((a, b) => a - b))
    for (const row of rows) expect(row.status, `event ${row.seq}`).toBe('done')
    expect(store.listRuns({ limit: 500 }).total).toBe(40)
    // Each event counted once: none lost with its thread, none run twice.
    for (let i = 0; i < 10; i++) expect(store.state.loadProfile(`c${i}`)!.traits.orders).toBe(4)
    store.close()
  }, 60000)
})
