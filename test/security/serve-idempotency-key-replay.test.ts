/**
 * Attack: a client retries POST /api/flows/:id/runs with the same Idempotency-Key (as it
 * should after a timeout). The second request never answered: it waited for a run that had
 * already happened, holding a socket for ever — a few thousand such retries exhaust the
 * server. And keys were global: a key used on one flow (or on a hook) silently swallowed an
 * unrelated request to another flow.
 *
 * Now a key is scoped to its route and flow, and a repeat answers at once with the first
 * answer (status and body), also after a restart for journaled events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import { healthzMs, hookFlow, raw, tempDir } from './serve-helpers'

const registry = PluginRegistry.withBuiltins()
const flows = (): { flow: Flow; revision: number }[] => [
  { flow: hookFlow('alpha', { path: 'alpha' }), revision: 1 },
  { flow: hookFlow('beta', { path: 'beta' }), revision: 1 },
]
const dataDir = tempDir('fb-sec-idem-')
let store: Store
let server: Server

async function start(): Promise<void> {
  store = Store.open(dataDir)
  server = await serve({ flows: flows(), store, plugins: registry, port: 0, log: () => {} })
}
async function stop(): Promise<void> {
  await server.close()
  store.close()
}
beforeAll(start)
afterAll(stop)

/** A run request that gives up after `ms`: a hang must fail the test, not time it out. */
function runRequest(flowId: string, profileId: string, key: string, ms = 3000) {
  return Promise.race([
    raw(server.port, {
      method: 'POST',
      path: `/api/flows/${flowId}/runs`,
      headers: { 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ event: { type: 'hit', profileId } }),
    }),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), ms)),
  ])
}
const hits = (id: string) => (store.state.loadProfile(id)?.traits.hits as number | undefined) ?? 0

describe('Idempotency-Key on POST /api/flows/:id/runs', () => {
  it('answers a repeat at once with the first answer, and runs once', async () => {
    const first = await runRequest('alpha', 'ann', 'key-1')
    expect(first?.status).toBe(200)
    const slowest: number[] = []
    const repeat = runRequest('alpha', 'ann', 'key-1')
    slowest.push(await healthzMs(server.port)) // the event loop while the repeat is in flight
    const second = await repeat
    expect(second, 'the repeat never answered').not.toBeNull()
    expect(second!.status).toBe(first!.status)
    expect(second!.json()).toEqual(first!.json())
    expect(second!.headers['idempotent-replayed']).toBe('true')
    expect(hits('ann')).toBe(1)
    console.info(`/healthz while a repeated key was in flight: ${slowest[0]!.toFixed(1)} ms`)
    expect(slowest[0]).toBeLessThan(50)
  })

  it('answers concurrent repeats with the one run', async () => {
    const answers = await Promise.all([1, 2, 3, 4].map(() => runRequest('alpha', 'bo', 'key-2')))
    expect(answers.every((a) => a?.status === 200)).toBe(true)
    const runIds = new Set(answers.map((a) => (a!.json() as { runId: string }).runId))
    expect(runIds.size).toBe(1)
    expect(hits('bo')).toBe(1)
  })

  it('treats the same key on another flow or route as another request', async () => {
    const alpha = await runRequest('alpha', 'cy', 'shared-key')
    const beta = await runRequest('beta', 'cy', 'shared-key')
    expect(beta?.status).toBe(200)
    expect((beta!.json() as { flowId: string }).flowId).toBe('beta')
    expect((beta!.json() as { runId: string }).runId).not.toBe(
      (alpha!.json() as { runId: string }).runId,
    )
    const alphaRuns = store.listRuns({ flowId: 'alpha' }).total
    const hook = await raw(server.port, {
      method: 'POST',
      path: '/hooks/alpha',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'shared-key' },
      body: JSON.stringify({ note: 'hook' }),
    })
    expect(hook.status).toBe(202)
    expect(hook.headers['idempotent-replayed']).toBeUndefined()
    await server.drained()
    expect(hits('cy')).toBe(2)
    expect(store.listRuns({ flowId: 'alpha' }).total).toBe(alphaRuns + 1)
  })

  it('answers a hook repeat with the first status and body', async () => {
    const send = () =>
      raw(server.port, {
        method: 'POST',
        path: '/hooks/beta',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'delivery-9' },
        body: JSON.stringify({ n: 1 }),
      })
    const first = await send()
    const again = await send()
    expect(again.status).toBe(first.status)
    expect(again.json()).toEqual(first.json())
  })

  it('answers a repeat with the first answer after a restart', async () => {
    const first = await runRequest('beta', 'dee', 'before-restart')
    expect(first?.status).toBe(200)
    await stop()
    await start()
    const again = await runRequest('beta', 'dee', 'before-restart')
    expect(again, 'the repeat after a restart never answered').not.toBeNull()
    expect(again!.status).toBe(200)
    expect(again!.json()).toEqual(first!.json())
    expect(hits('dee')).toBe(1)
  })

  it('replays direct runs (with a given profile) too', async () => {
    const direct = () =>
      Promise.race([
        raw(server.port, {
          method: 'POST',
          path: '/api/flows/alpha/runs',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'direct-1' },
          body: JSON.stringify({
            event: { type: 'hit' },
            profile: { id: 'eve', traits: { hits: 5 } },
          }),
        }),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 3000)),
      ])
    const first = await direct()
    const again = await direct()
    expect(again).not.toBeNull()
    expect(again!.status).toBe(first!.status)
    expect(again!.json()).toEqual(first!.json())
  })
})
