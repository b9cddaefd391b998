/**
 * Attack 5 against a running `serve`: webhook bodies whose field is 80 KB of digits, compared
 * with a number by the flow. The old numeric-text regex backtracked quadratically, so each run
 * held the event loop for seconds and `/healthz` (and every acknowledgement) stalled with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import type { Flow } from '../../src-shared/flow/types'
import { healthzMs, raw, tempDir } from './serve-helpers'

const flow: Flow = {
  schemaVersion: 1,
  id: 'stock',
  name: 'stock',
  nodes: [
    {
      id: 'hook',
      plugin: 'trigger.webhook',
      position: { x: 0, y: 0 },
      config: { path: 'stock', waitForRun: false },
    },
    {
      id: 'low',
      plugin: 'flow.if',
      position: { x: 240, y: 0 },
      config: { condition: 'event.properties.stock < 5' },
    },
  ],
  edges: [
    { id: 'e1', source: 'hook', sourcePort: 'payload', target: 'low', targetPort: 'payload' },
  ],
}

let server: Server
let store: Store

beforeAll(async () => {
  store = Store.open(tempDir('fb-sec-redos-serve-'))
  server = await serve({
    flows: [{ flow, revision: 1 }],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    log: () => {},
  })
  await healthzMs(server.port)
})
afterAll(async () => {
  await server.close()
  store.close()
})

describe('serve while hostile numeric text is compared', () => {
  it('keeps answering /healthz within 50 ms and runs every event', async () => {
    const body = JSON.stringify({ stock: '1'.repeat(80_000) + 'x' })
    const posts = Array.from({ length: 8 }, () =>
      raw(server.port, {
        method: 'POST',
        path: '/hooks/stock',
        headers: { 'content-type': 'application/json' },
        body,
      }),
    )
    // Acknowledged once journaled; the runs — the attack — happen after, in the worker.
    for (const res of await Promise.all(posts)) expect(res.status).toBe(202)
    const waits: number[] = []
    for (let i = 0; i < 20; i++) waits.push(await healthzMs(server.port))
    await server.drained()
    expect(Math.max(...waits)).toBeLessThan(50)
    const runs = store.listRuns({ flowId: 'stock', limit: 20, offset: 0 })
    expect(runs.total).toBe(8)
  })
})
