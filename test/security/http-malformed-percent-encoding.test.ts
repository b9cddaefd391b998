/**
 * Attack: a path with a broken percent-encoding (`/hooks/%E0%A4%A`, `/api/flows/%E0%A4%A`)
 * made decodeURIComponent throw inside the handler, answered as a 500 Internal error and
 * logged as a server fault. It is the client's mistake: 400, in serve and in the web host.
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
import { hookFlow, raw, tempDir } from './serve-helpers'

const BAD = [
  '/hooks/%E0%A4%A',
  '/api/flows/%E0%A4%A',
  '/api/flows/%E0%A4%A/runs',
  '/api/runs/%ZZ',
  '/hooks/%',
]
let server: Server
let store: Store
let host: WebHost
const logged: Record<string, unknown>[] = []

beforeAll(async () => {
  store = Store.open(tempDir('fb-sec-percent-'))
  server = await serve({
    flows: [{ flow: hookFlow('orders', { path: 'orders' }), revision: 1 }],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    log: (entry) => logged.push(entry),
  })
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-sec-percent-static-'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html>')
  host = await startWebHost({ handlers: {} as ApiHandlers, staticDir: dir, port: 0, token: 't' })
})
afterAll(async () => {
  await server.close()
  store.close()
  await host.close()
})

describe('malformed percent-encoding in a path', () => {
  it('is a 400 from serve, never a 500', async () => {
    for (const p of BAD) {
      for (const method of ['GET', 'POST']) {
        const res = await raw(server.port, {
          method,
          path: p,
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
        expect(res.status, `${method} ${p}`).toBe(400)
      }
    }
    expect(logged.filter((e) => e.level === 'error')).toEqual([])
  })

  it('is a 400 from the web host, never a 500', async () => {
    for (const p of ['/api/%E0%A4%A', '/%E0%A4%A', '/assets/%E0%A4%A.js']) {
      const res = await raw(host.port, {
        method: p.startsWith('/api/') ? 'POST' : 'GET',
        path: p,
        headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
        body: p.startsWith('/api/') ? '{}' : undefined,
      })
      expect(res.status, p).toBe(400)
    }
  })
})
