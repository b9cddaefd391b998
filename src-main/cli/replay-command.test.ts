import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { validateFlow } from '../../src-shared/flow/validate'
import { buildFlow } from '../../test/fixtures/flows'
import { PluginRegistry } from '../plugins-host/registry'
import { serve } from '../runtime/serve'
import { Store } from '../store/store'
import { main } from './main'

const registry = PluginRegistry.withBuiltins()

function capture() {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      out: (t: string) => (out.stdout += t + '\n'),
      err: (t: string) => (out.stderr += t + '\n'),
    },
  }
}

// The CRM the flow notifies: serving production calls it; a replay never may.
let crmCalls = 0
let crmUrl = ''
const crm = createServer((_req, res) => {
  crmCalls++
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
})
beforeAll(async () => {
  await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve))
  crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}/notify`
})
afterAll(() => new Promise<void>((resolve) => crm.close(() => resolve())))

/** Orders over a threshold make the customer VIP; every order notifies the CRM first. */
function orders(
  threshold: number,
  trigger: 'trigger.manual' | 'trigger.webhook' = 'trigger.manual',
): Flow {
  const triggerConfig =
    trigger === 'trigger.webhook'
      ? { path: 'orders', methods: ['POST'], eventType: 'order', profileIdField: 'customer' }
      : {}
  return buildFlow(
    [
      ['start', trigger, triggerConfig],
      [
        'notify',
        'http.request',
        { method: 'POST', url: crmUrl, body: { total: 'event@properties.total' } },
      ],
      ['check', 'flow.if', { condition: `event.properties.total > ${threshold}` }],
      ['vip', 'profile.add-segment', { segment: 'vip' }],
      ['count', 'data.increment', { path: 'profile@traits.orders', by: 1 }],
    ],
    [
      'start.payload -> notify',
      'notify.response -> check',
      'check.true -> vip',
      'check.false -> count',
    ],
    'orders',
  )
}

describe('flowbench replay', () => {
  it('replays an events file through a flow file and --against another, prints the groups and exits 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-replay-'))
    writeFileSync(path.join(dir, 'draft.flow.json'), JSON.stringify(orders(50)))
    writeFileSync(path.join(dir, 'production.json'), JSON.stringify(orders(100)))
    writeFileSync(
      path.join(dir, 'events.ndjson'),
      [10, 75, 500, 60]
        .map((total, i) => JSON.stringify({ id: `order-${i + 1}`, properties: { total } }))
        .join('\n'),
    )
    const json = capture()
    const args = [
      'replay',
      path.join(dir, 'draft.flow.json'),
      '--events',
      path.join(dir, 'events.ndjson'),
      '--against',
      path.join(dir, 'production.json'),
    ]
    expect(await main([...args, '--json'], { io: json.io })).toBe(1)
    const summary = JSON.parse(json.out.stdout)
    expect(summary).toMatchObject({ events: 4, differing: 2 })
    expect(summary.groups[0]).toMatchObject({
      kind: 'path',
      count: 2,
      examples: [{ eventId: 'order-2' }, { eventId: 'order-4' }],
    })
    expect(crmCalls).toBe(0)

    const text = capture()
    expect(await main(args, { io: text.io })).toBe(1)
    expect(text.out.stdout).toContain('Replayed 4 events through the draft and')
    expect(text.out.stdout).toContain('2 × orders: path: now runs vip; no longer runs count')

    const same = capture()
    expect(
      await main(
        [
          'replay',
          path.join(dir, 'production.json'),
          '--events',
          path.join(dir, 'events.ndjson'),
          '--against',
          path.join(dir, 'production.json'),
          '--json',
        ],
        { io: same.io },
      ),
    ).toBe(0)
    expect(JSON.parse(same.out.stdout)).toMatchObject({ events: 4, differing: 0, groups: [] })
  })

  it("replays a data directory's journal through the draft and production without the network or writing anything", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-replay-data-'))
    const store = Store.open(dataDir)
    store.createFlow(orders(100, 'trigger.webhook'))
    store.deploy('orders', { validate: (flow) => validateFlow(flow, { plugins: registry }) })
    // Production receives real traffic, journaled by serve.
    const server = await serve({
      flows: [{ flow: store.production('orders')!.flow, revision: 1 }],
      store,
      plugins: registry,
      port: 0,
      log: () => {},
    })
    for (const [customer, total] of [
      ['ann', 75],
      ['bob', 500],
      ['cy', 20],
    ] as const) {
      const res = await fetch(`${server.url}/hooks/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ customer, total }),
      })
      expect(res.status).toBe(202)
    }
    await server.drained()
    await server.close()
    expect(crmCalls).toBe(3)
    // The draft lowers the threshold: ann's order of 75 now makes her VIP.
    const draftVersion = store.getFlow('orders').draft.version
    store.saveDraft('orders', draftVersion, orders(50, 'trigger.webhook'))
    const runsBefore = store.listRuns({ flowId: 'orders' }).total
    const annBefore = store.state.loadProfile('ann')
    store.close()

    const { out, io } = capture()
    expect(await main(['replay', dataDir, '--since', '1h', '--json'], { io })).toBe(1)
    const summary = JSON.parse(out.stdout)
    expect(summary).toMatchObject({ events: 3, differing: 1, invalid: 0 })
    // serve keeps summary traces, so the CRM's answers were not recorded: mocked, on both sides.
    expect(summary.answered).toEqual({ recorded: 0, mocked: 6 })
    const profile = summary.groups.find((g: { kind: string }) => g.kind === 'profile')
    expect(profile).toMatchObject({ flowId: 'orders', count: 1, examples: [{ index: 0 }] })
    // ann as she was when the event came in: her first order, counted by production only.
    expect(profile.examples[0].production).toEqual({ segments: '(unchanged)', 'traits.orders': 1 })
    expect(profile.examples[0].draft).toEqual({ segments: ['vip'], 'traits.orders': '(unchanged)' })
    expect(crmCalls).toBe(3)

    const after = Store.open(dataDir)
    expect(after.listRuns({ flowId: 'orders' }).total).toBe(runsBefore)
    expect(after.state.loadProfile('ann')).toEqual(annBefore)
    after.close()

    const explicit = capture()
    expect(
      await main(
        [
          'replay',
          dataDir,
          '--since',
          '1h',
          '--flow',
          'orders',
          '--against',
          'production',
          '--json',
        ],
        { io: explicit.io },
      ),
    ).toBe(1)
  })

  it('refuses unclear input with exit 2 and a one-line reason', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-replay-bad-'))
    const flow = path.join(dir, 'x.flow.json')
    writeFileSync(flow, JSON.stringify(orders(50)))
    const cases: [string[], RegExp][] = [
      [['replay', flow], /either --events <file> or --since/],
      [['replay', flow, '--since', 'yesterday'], /--since takes a duration/],
      [
        ['replay', flow, '--events', path.join(dir, 'missing.ndjson'), '--against', flow],
        /no such file/,
      ],
      [['replay', flow, '--events', path.join(dir, 'x.ndjson')], /give --data-dir or --against/],
    ]
    for (const [args, reason] of cases) {
      const { out, io } = capture()
      expect(await main(args, { io })).toBe(2)
      expect(out.stderr).toMatch(reason)
    }
  })
})
