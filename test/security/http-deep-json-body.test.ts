/**
 * Attack: a JSON body nested ~4,000 deep. JSON.parse accepts it; the first deep walk of the
 * value afterwards (cloning the event for a run, the contract's schema check) overflows the
 * stack and the request answered 500 — for a webhook, after the event had been journaled, so
 * the worker tripped over it too. Now such bodies are refused with 400 before they are parsed,
 * in serve and in the web host, and nothing is journaled.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiHandlers } from '../../src-main/api/dispatch'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import type { WebHost } from '../../src-main/web-host/server'
import { startWebHost } from '../../src-main/web-host/server'
import { MAX_JSON_DEPTH } from '../../src-shared/json-depth'
import { healthzMs, hookFlow, raw, tempDir } from './serve-helpers'

const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)
const nestedArray = (depth: number) => '['.repeat(depth) + ']'.repeat(depth)

let server: Server
let store: Store
let host: WebHost
let handled = 0

beforeAll(async () => {
  store = Store.open(tempDir('fb-sec-deep-'))
  server = await serve({
    flows: [{ flow: hookFlow('orders', { path: 'orders', waitForRun: false }), revision: 1 }],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    bodyLimit: 1024 * 1024,
    log: () => {},
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-sec-deep-static-'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>')
  const handlers = {
    'app.info': () => {
      handled++
      return {
        name: 'Flowbench',
        version: '1',
        dataDir: '/d',
        pluginCount: 1,
        platform: 'linux',
        mode: 'web' as const,
      }
    },
  } as unknown as ApiHandlers
  host = await startWebHost({ handlers, staticDir: dir, port: 0, token: 't' })
  await healthzMs(server.port) // warm up: the first request compiles the handler
})
afterAll(async () => {
  await server.close()
  store.close()
  await host.close()
})

const journaled = () => [...store.journalEntries()].length

describe('deeply nested JSON bodies', () => {
  it('are a 400 from serve, before anything is journaled; /healthz answers meanwhile', async () => {
    const attacks = [
      { path: '/hooks/orders', body: nested(4000) },
      { path: '/hooks/orders', body: nestedArray(200_000) },
      { path: '/api/flows/orders/runs', body: `{"event":${nested(4000)}}` },
      { path: '/api/flows/orders/runs', body: `{"event":{"type":"x"},"profile":${nested(4000)}}` },
    ]
    for (const attack of attacks) {
      const inFlight = raw(server.port, {
        method: 'POST',
        path: attack.path,
        headers: { 'content-type': 'application/json' },
        body: attack.body,
      })
      const ms = await healthzMs(server.port)
      const res = await inFlight
      expect(res.status, attack.path).toBe(400)
      expect(res.text).toContain('nested deeper')
      console.info(
        `/healthz while a ${attack.body.length}-byte deep body was in flight: ${ms.toFixed(1)} ms`,
      )
      expect(ms).toBeLessThan(50)
    }
    expect(journaled()).toBe(0)
  })

  it('within the limit are still accepted and run', async () => {
    const res = await raw(server.port, {
      method: 'POST',
      path: '/api/flows/orders/runs',
      headers: { 'content-type': 'application/json' },
      // The body's own two levels plus the event's nesting stay at the limit.
      body: `{"event":{"type":"x","properties":${nested(MAX_JSON_DEPTH - 3)}}}`,
    })
    expect(res.status).toBe(200)
    expect((res.json() as { status: string }).status).toBe('succeeded')
  })

  it('are a 400 from the web host, and no handler runs', async () => {
    const res = await raw(host.port, {
      method: 'POST',
      path: '/api/app.info',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: nested(4000),
    })
    expect(res.status).toBe(400)
    expect(handled).toBe(0)
  })
})
