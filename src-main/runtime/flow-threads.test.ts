import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, FlowNode } from '../../src-shared/flow/types'
import {
  MARKER_ID,
  markerBundle,
  markerPlugin,
  markerText,
  writeBundle,
} from '../../test/security/bundle-fixtures'
import { repoRoot } from '../../test/fixtures/flows'
import { PluginInstaller } from '../plugins-host/installer'
import { PluginRegistry } from '../plugins-host/registry'
import { Store } from '../store/store'
import type { Server, ServeOptions } from './serve'
import { serve } from './serve'

const quiet = () => {}

/**
 * A user plugin installed from a module file, as flow threads load them. Its `run` works on the
 * thread that runs the flow: it burns `ms` of CPU, hangs for `hang`, or ends its thread, always
 * with `crashAlways`, only the first time with `crashOnce` (a marker file).
 */
const BURN_PLUGIN = `
import { existsSync, writeFileSync } from 'node:fs'
export default {
  id: 'test.burn', version: '1.0.0', name: 'Burn', description: 'Burns CPU', group: 'Test',
  inputs: ['payload'], outputs: ['payload'], configSchema: { type: 'object' }, defaultConfig: {},
  docs: { markdown: 'Burns CPU on the calling thread.' }, testTemplate: { config: {}, payload: {} },
  create: () => ({
    run(payload) {
      const p = payload.properties ?? payload
      if (p.crashAlways) process.exit(1)
      if (p.crashOnce && !existsSync(p.crashOnce)) {
        writeFileSync(p.crashOnce, '')
        process.exit(1)
      }
      const end = Date.now() + (p.hang ? 1e9 : (p.ms ?? 0))
      while (Date.now() < end);
      return { port: 'payload', value: payload }
    },
  }),
}
`

async function pluginsWithBurn(): Promise<PluginRegistry> {
  const registry = PluginRegistry.withBuiltins()
  const source = mkdtempSync(path.join(os.tmpdir(), 'fb-burn-plugin-'))
  writeFileSync(
    path.join(source, 'package.json'),
    JSON.stringify({ name: 'burn', main: 'index.mjs' }),
  )
  writeFileSync(path.join(source, 'index.mjs'), BURN_PLUGIN)
  const pluginsDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'fb-plugins-')), 'plugins')
  mkdirSync(pluginsDir)
  await new PluginInstaller({ pluginsDir, registry }).install(source)
  return registry
}

/** A webhook flow at /hooks/<id>: the webhook trigger, then the given nodes in a chain. */
function hookFlow(id: string, nodes: Omit<FlowNode, 'position'>[]): Flow {
  const all = [
    {
      id: 'hook',
      plugin: 'trigger.webhook',
      config: { path: id, profileIdField: 'customer' },
    },
    ...nodes,
  ].map((node, i) => ({ ...node, position: { x: i * 200, y: 0 } }))
  return {
    schemaVersion: 1,
    id,
    name: id,
    nodes: all,
    edges: all.slice(1).map((node, i) => ({
      id: `e${i}`,
      source: all[i]!.id,
      sourcePort: 'payload',
      target: node.id,
      targetPort: 'payload',
    })),
  } as Flow
}

let server: Server | null = null
let store: Store | null = null
afterEach(async () => {
  await server?.close()
  store?.close()
  server = null
  store = null
})

async function start(
  flows: Flow[],
  options: Partial<ServeOptions> = {},
): Promise<{ server: Server; store: Store }> {
  store = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-threads-')))
  server = await serve({
    flows: flows.map((flow) => ({ flow, revision: 1 })),
    store,
    plugins: options.plugins ?? PluginRegistry.withBuiltins(),
    port: 0,
    log: quiet,
    threads: 2,
    ...options,
  })
  return { server, store }
}

async function post(hook: string, body: unknown): Promise<Response> {
  return fetch(`${server!.url}/hooks/${hook}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
}

/** Every run of a flow, from the reports the runner saved. */
function runsOf(flowId: string): ExecutionReport[] {
  const { runs } = store!.listRuns({ flowId, limit: 1000 })
  return runs.map((r) => store!.getRun(r.runId))
}

const span = (r: ExecutionReport) => {
  const start = Date.parse(r.startedAt)
  return { start, end: start + r.durationMs }
}

/** Latencies of /healthz and webhook acknowledgements, sent one after another. */
async function answerTimes(
  requests: number,
  hook: string,
  event: () => unknown,
): Promise<number[]> {
  const times: number[] = []
  for (let i = 0; i < requests; i++) {
    const t0 = performance.now()
    const ack = i % 3 === 0
    const res = ack ? await post(hook, event()) : await fetch(`${server!.url}/healthz`)
    await res.arrayBuffer()
    times.push(performance.now() - t0)
    expect(res.status).toBe(ack ? 202 : 200)
  }
  return times
}

const p99 = (times: number[]) =>
  [...times].sort((a, b) => a - b)[Math.ceil(times.length * 0.99) - 1]!

/** 200 ms of CPU in the JavaScript sandbox, then 200 ms in a plugin on the run's own thread. */
const burnFlow = hookFlow('burn', [
  {
    id: 'sandbox',
    plugin: 'code.javascript',
    config: {
      code: 'const end = Date.now() + 200; while (Date.now() < end); return payload',
      timeoutMs: 5000,
    },
  },
  { id: 'plugin', plugin: 'test.burn', config: {} },
])

describe('flow threads', () => {
  it('acknowledges webhooks and answers /healthz at once while flows burn CPU', async () => {
    // Without the sync to disk before each answer: its cost depends on the disk, not on where flows
    // run, and `npm run bench -- --only serve` measures it. This test is about flows not holding
    // the main thread.
    const quick = hookFlow('quick', [])
    await start([burnFlow, quick], {
      plugins: await pluginsWithBurn(),
      syncAcknowledgements: false,
    })
    expect((await post('burn', { customer: 'warm', ms: 200 })).status).toBe(202)
    await server!.drained() // threads and sandboxes warm: the rounds measure steady serving

    // This machine is shared, and other processes' load alone can push a p99 past 10 ms. So each
    // round first measures the same requests with no flow burning (acknowledged to a flow that
    // does nothing), then while flows burn CPU on every thread; a round passes when the second
    // p99 is under 10 ms, or under twice the first when the machine's own noise is above that.
    // The best of five rounds counts. (The control below: a flow on the main thread fails all.)
    const rounds: { idle: number; burning: number; runs: number }[] = []
    let n = 0
    const passes = (r: (typeof rounds)[number]) => r.burning < Math.max(10, 2 * r.idle)
    for (let round = 0; round < 5; round++) {
      const idle = p99(await answerTimes(60, 'quick', () => ({ customer: `i${n++}` })))
      for (let i = 0; i < 4; i++) await post('burn', { customer: `p${n++}`, ms: 200 })
      const from = Date.now()
      const times = await answerTimes(60, 'burn', () => ({ customer: `q${n++}`, ms: 200 }))
      const to = Date.now()
      await server!.drained()
      const runs = runsOf('burn').filter((r) => {
        const { start, end } = span(r)
        return r.success && start < to && end > from
      }).length
      rounds.push({ idle, burning: p99(times), runs })
      if (passes(rounds[round]!)) break
    }
    const best = rounds.find(passes) ?? rounds[rounds.length - 1]!
    // Flows were running through the round, on both threads.
    expect(best.runs, JSON.stringify(rounds)).toBeGreaterThanOrEqual(2)
    expect(passes(best), JSON.stringify(rounds)).toBe(true)
  }, 120_000)

  it('control: the same flow on the main thread (threads: 0) holds answers up', async () => {
    await start([burnFlow], { plugins: await pluginsWithBurn(), threads: 0 })
    for (let i = 0; i < 2; i++) await post('burn', { customer: `p${i}`, ms: 200 })
    // Long enough to meet a run's 200 ms in the plugin, which holds the main thread.
    const until = Date.now() + 1500
    const times: number[] = []
    while (Date.now() < until)
      times.push(...(await answerTimes(3, 'burn', () => ({ customer: 'q', ms: 200 }))))
    expect(Math.max(...times)).toBeGreaterThan(150)
  }, 60_000)

  it('never runs two events of one profile at once, keeps both updates, and starts them in order', async () => {
    const slow = hookFlow('slow', [
      { id: 'count', plugin: 'data.increment', config: { path: 'profile@traits.count', by: 1 } },
      { id: 'wait', plugin: 'flow.sleep', config: { ms: 150 } },
    ])
    await start([slow], { threads: 2 })
    const sent = []
    for (let i = 0; i < 4; i++)
      for (const customer of ['ann', 'bob']) sent.push(post('slow', { customer, n: i }))
    for (const res of await Promise.all(sent)) expect(res.status).toBe(202)
    await server!.drained()

    expect(store!.state.loadProfile('ann')!.traits.count).toBe(4)
    expect(store!.state.loadProfile('bob')!.traits.count).toBe(4)
    const runs = runsOf('slow')
    const of = (customer: string) =>
      runs
        .filter((r) => (r.state.event as { profileId: string }).profileId === customer)
        .sort((a, b) => span(a).start - span(b).start)
    for (const customer of ['ann', 'bob']) {
      const mine = of(customer)
      expect(mine).toHaveLength(4)
      for (let i = 1; i < mine.length; i++)
        expect(span(mine[i]!).start, `${customer}'s runs overlap`).toBeGreaterThanOrEqual(
          span(mine[i - 1]!).end,
        )
      // Journal order per profile.
      expect(
        mine.map((r) => (r.state.event as { properties: { n: number } }).properties.n),
      ).toEqual([0, 1, 2, 3])
    }
    // Different profiles do run at the same time.
    const overlapping = of('ann').some((a) =>
      of('bob').some((b) => span(a).start < span(b).end && span(b).start < span(a).end),
    )
    expect(overlapping).toBe(true)
  }, 60_000)

  it('runs an event again when its thread dies, and marks a hung run failed without holding up its profile', async () => {
    const counted = hookFlow('counted', [
      { id: 'plugin', plugin: 'test.burn', config: {} },
      { id: 'count', plugin: 'data.increment', config: { path: 'profile@traits.count', by: 1 } },
    ])
    await start([counted], { plugins: await pluginsWithBurn(), runTimeoutMs: 1500 })
    const marker = path.join(mkdtempSync(path.join(os.tmpdir(), 'fb-crash-')), 'crashed')
    expect((await post('counted', { customer: 'cy', crashOnce: marker })).status).toBe(202)
    expect((await post('counted', { customer: 'di', hang: true })).status).toBe(202)
    expect((await post('counted', { customer: 'di' })).status).toBe(202)
    expect((await post('counted', { customer: 'fay', crashAlways: true })).status).toBe(202)
    await server!.drained()

    expect(existsSync(marker)).toBe(true) // the first attempt did end its thread
    expect(store!.state.loadProfile('cy')!.traits.count).toBe(1)
    const runs = runsOf('counted')
    const byCustomer = (c: string) =>
      runs.filter((r) => (r.state.event as { profileId: string }).profileId === c)
    expect(byCustomer('cy').map((r) => r.status)).toEqual(['succeeded'])
    const hung = byCustomer('di').find((r) => !r.success)!
    expect(hung.errors[0]).toMatchObject({ code: 'run-timed-out' })
    expect(hung.errors[0]!.message).toMatch(/did not finish within 1500 ms/)
    // An event that ends its thread every time is failed after its retries, with the reason.
    expect(byCustomer('fay').map((r) => r.errors[0])).toEqual([
      expect.objectContaining({
        code: 'thread-crashed',
        message: expect.stringMatching(/stopped/),
      }),
    ])
    // The hung run saved nothing; the profile's next event ran after it.
    expect(store!.state.loadProfile('di')!.traits.count).toBe(1)
    expect(await (await fetch(`${server!.url}/api/flows/counted/stats`)).json()).toMatchObject({
      accepted: 4,
      succeeded: 2,
      failed: 2,
      pending: 0,
    })
  }, 60_000)

  it("runs subflows on the threads, and an API run outside the journal waits for its profile's journaled runs", async () => {
    const child: Flow = {
      schemaVersion: 1,
      id: 'child',
      name: 'child',
      nodes: [
        { id: 'in', plugin: 'trigger.subflow', position: { x: 0, y: 0 }, config: {} },
        {
          id: 'mark',
          plugin: 'data.increment',
          position: { x: 200, y: 0 },
          config: { path: 'profile@traits.viaChild', by: 1 },
        },
      ],
      edges: [
        { id: 'e', source: 'in', sourcePort: 'payload', target: 'mark', targetPort: 'payload' },
      ],
    } as Flow
    const parent = hookFlow('parent', [
      { id: 'count', plugin: 'data.increment', config: { path: 'profile@traits.count', by: 1 } },
      { id: 'wait', plugin: 'flow.sleep', config: { ms: 100 } },
      { id: 'call', plugin: 'flow.subflow', config: { flowId: 'child', input: 'payload' } },
    ])
    await start([parent, child])
    expect((await post('parent', { customer: 'warm' })).status).toBe(202)
    await server!.drained() // threads started
    const acks = await Promise.all([0, 1, 2].map(() => post('parent', { customer: 'eve' })))
    for (const ack of acks) expect(ack.status).toBe(202)
    await new Promise((r) => setTimeout(r, 20))
    // While the first runs: a run through the API on the same profile, outside the journal (its
    // request brings a session), which must not overwrite the journaled runs' updates.
    const direct = await fetch(`${server!.url}/api/flows/parent/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: { profileId: 'eve' }, session: { id: 'desk' } }),
    })
    expect(((await direct.json()) as ExecutionReport).status).toBe('succeeded')
    await server!.drained()
    expect(store!.state.loadProfile('eve')!.traits).toMatchObject({ count: 4, viaChild: 4 })
  }, 60_000)

  it('loads a trusted bundle plugin on the threads of `flowbench serve --trust-plugins`', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-threads-bundle-'))
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const flow = hookFlow('marked', [{ id: 'mark', plugin: MARKER_ID, config: {} }])
    const bundle = writeBundle(markerBundle(plugin, { flow }), dir)
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'bin/flowbench.js'),
        'serve',
        bundle,
        '--trust-plugins',
        '--threads',
        '2',
        '--port',
        '0',
        '--data-dir',
        path.join(dir, 'data'),
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = ''
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8')
          const match = /"msg":"serving".*?"port":(\d+)/.exec(out)
          if (match) resolve(Number(match[1]))
        })
        child.on('exit', (code) => reject(new Error(`serve exited early (${code})`)))
      })
      const url = `http://127.0.0.1:${port}`
      for (let i = 0; i < 4; i++)
        expect(
          (
            await fetch(`${url}/hooks/marked`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ customer: `m${i}` }),
            })
          ).status,
        ).toBe(202)
      for (;;) {
        const stats = (await (await fetch(`${url}/api/flows/marked/stats`)).json()) as {
          pending: number
          succeeded: number
        }
        if (stats.pending === 0) {
          expect(stats.succeeded).toBe(4)
          break
        }
        await new Promise((r) => setTimeout(r, 50))
      }
      const lines = markerText(plugin.marker).split('\n')
      // Loaded by the main thread (to check the flows) and by each flow thread; run there.
      expect(lines.filter((l) => l.startsWith('loaded')).length).toBe(3)
      expect(lines.filter((l) => l === 'created').length).toBe(4)
    } finally {
      child.kill('SIGTERM')
      await new Promise((r) => child.on('exit', r))
    }
  }, 60_000)
})
