/**
 * Attack: a page on another site posts a form (or fires fetch with mode "no-cors") at
 * http://127.0.0.1:8787/hooks/<path>. The browser sends it with the victim's network position;
 * serve without --token accepted it and ran the flow. Browsers mark such requests with
 * `Origin` and `Sec-Fetch-Site`; serve now refuses them on the hooks and the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import { hookFlow, raw, tempDir } from './serve-helpers'

let server: Server
let store: Store

beforeAll(async () => {
  store = Store.open(tempDir('fb-sec-csrf-'))
  server = await serve({
    flows: [
      { flow: hookFlow('orders', { path: 'orders', profileIdField: 'customer' }), revision: 1 },
    ],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    log: () => {},
  })
})
afterAll(async () => {
  await server.close()
  store.close()
})

const hits = () => (store.state.loadProfile('victim')?.traits.hits as number | undefined) ?? 0

describe('serve refuses browser cross-site requests', () => {
  it('refuses a cross-site form post to a hook and runs nothing', async () => {
    const attacks: Record<string, string>[] = [
      // What a browser sends for <form method=post action=http://127.0.0.1:…/hooks/orders>.
      {
        origin: 'https://evil.example',
        'sec-fetch-site': 'cross-site',
        'content-type': 'text/plain',
      },
      // Older browsers send only Origin.
      { origin: 'https://evil.example', 'content-type': 'text/plain' },
      // Sandboxed iframes and data: URLs send Origin: null.
      { origin: 'null', 'content-type': 'text/plain' },
      // Another port or subdomain of the same site is still not this server.
      { 'sec-fetch-site': 'same-site', 'content-type': 'application/json' },
      { origin: `http://127.0.0.1:${server.port + 1}`, 'content-type': 'application/json' },
    ]
    for (const headers of attacks) {
      const res = await raw(server.port, {
        method: 'POST',
        path: '/hooks/orders',
        headers,
        body: JSON.stringify({ customer: 'victim' }),
      })
      expect(res.status, JSON.stringify(headers)).toBe(403)
    }
    await server.drained()
    expect(hits()).toBe(0)
    expect(store.listRuns({ flowId: 'orders' }).total).toBe(0)
  })

  it('refuses cross-site reads and runs through the API', async () => {
    const cross = { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }
    expect((await raw(server.port, { path: '/api/flows/orders', headers: cross })).status).toBe(403)
    expect((await raw(server.port, { path: '/api/flows', headers: cross })).status).toBe(403)
    const run = await raw(server.port, {
      method: 'POST',
      path: '/api/flows/orders/runs',
      headers: { ...cross, 'content-type': 'text/plain' },
      body: JSON.stringify({ event: { profileId: 'victim' } }),
    })
    expect(run.status).toBe(403)
    expect(hits()).toBe(0)
  })

  it('accepts same-origin browser requests and clients that send no Origin', async () => {
    const same = await raw(server.port, {
      path: '/api/flows',
      headers: { origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' },
    })
    expect(same.status).toBe(200)
    const typed = await raw(server.port, {
      path: '/api/flows',
      headers: { 'sec-fetch-site': 'none' },
    })
    expect(typed.status).toBe(200)
    // A webhook sender (curl, GitHub, Stripe) sends no browser headers at all.
    const hook = await raw(server.port, {
      method: 'POST',
      path: '/hooks/orders',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'victim' }),
    })
    expect(hook.status).toBe(202)
    await server.drained()
    expect(hits()).toBe(1)
  })
})
