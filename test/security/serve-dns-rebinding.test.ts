/**
 * Attack: `flowbench serve` without --token answered any Host header. A page on evil.example
 * whose name is rebound to 127.0.0.1 (DNS rebinding) is same-origin with the server in the
 * browser's eyes and could read GET /api/flows/:id — the flow with its hook token, its
 * Authorization header and API keys. Now serve answers only the names it is bound to, and a
 * flow read through the API never carries credentials.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import { hookFlow, raw, tempDir } from './serve-helpers'

const HOOK_TOKEN = 'hook-token-do-not-leak'
const BEARER = 'Bearer crm-bearer-do-not-leak'
const API_KEY = 'api-key-do-not-leak'

function leakyFlow(): Flow {
  const flow = hookFlow('crm-sync', { path: 'crm', token: HOOK_TOKEN })
  flow.nodes.push({
    id: 'push',
    plugin: 'http.request',
    position: { x: 480, y: 0 },
    config: {
      method: 'POST',
      url: 'https://crm.example/api',
      headers: { Authorization: BEARER, 'X-Api-Key': API_KEY, 'content-type': 'application/json' },
      body: { token: 'body-token-do-not-leak', note: 'kept' },
    },
  })
  flow.edges.push({
    id: 'e2',
    source: 'count',
    sourcePort: 'payload',
    target: 'push',
    targetPort: 'payload',
  })
  return flow
}

const registry = PluginRegistry.withBuiltins()
let server: Server
let store: Store

beforeAll(async () => {
  store = Store.open(tempDir('fb-sec-rebind-'))
  server = await serve({
    flows: [{ flow: leakyFlow(), revision: 1 }],
    store,
    plugins: registry,
    port: 0,
    log: () => {},
  })
})
afterAll(async () => {
  await server.close()
  store.close()
})

describe('serve on loopback without a token', () => {
  it('refuses a rebound foreign Host with 403, on every route', async () => {
    for (const host of [
      `evil.example:${server.port}`,
      'evil.example',
      `127.0.0.1.nip.io:${server.port}`,
    ]) {
      for (const path of ['/api/flows', '/api/flows/crm-sync', '/healthz']) {
        const res = await raw(server.port, { path, headers: { host } })
        expect(res.status, `${host} ${path}`).toBe(403)
        expect(res.text).not.toContain(HOOK_TOKEN)
      }
    }
    const post = await raw(server.port, {
      method: 'POST',
      path: '/hooks/crm',
      headers: { host: `evil.example:${server.port}`, 'x-flowbench-token': HOOK_TOKEN },
      body: '{}',
    })
    expect(post.status).toBe(403)
    await server.drained()
    expect(store.listRuns({ flowId: 'crm-sync' }).total).toBe(0)
  })

  it('answers the loopback names it is bound to', async () => {
    for (const host of [
      `127.0.0.1:${server.port}`,
      `localhost:${server.port}`,
      `LOCALHOST:${server.port}`,
    ])
      expect((await raw(server.port, { path: '/api/flows', headers: { host } })).status, host).toBe(
        200,
      )
    // A Host naming another port is another origin.
    expect(
      (await raw(server.port, { path: '/api/flows', headers: { host: 'localhost:1' } })).status,
    ).toBe(403)
  })

  it('never returns hook tokens or credential-looking header values', async () => {
    const res = await raw(server.port, { path: '/api/flows/crm-sync' })
    expect(res.status).toBe(200)
    for (const secret of [
      HOOK_TOKEN,
      BEARER,
      'crm-bearer-do-not-leak',
      API_KEY,
      'body-token-do-not-leak',
    ])
      expect(res.text).not.toContain(secret)
    const flow = (res.json() as { flow: Flow }).flow
    const hook = flow.nodes.find((n) => n.id === 'hook')!.config as { token: string; path: string }
    expect(hook).toMatchObject({ token: '••••', path: 'crm' })
    const push = flow.nodes.find((n) => n.id === 'push')!.config as {
      headers: Record<string, string>
      url: string
      body: Record<string, string>
    }
    expect(push.headers).toEqual({
      Authorization: '••••',
      'X-Api-Key': '••••',
      'content-type': 'application/json',
    })
    expect(push.url).toBe('https://crm.example/api')
    expect(push.body).toEqual({ token: '••••', note: 'kept' })
    // The list never carried configs; it still does not.
    expect((await raw(server.port, { path: '/api/flows' })).text).not.toContain(HOOK_TOKEN)
  })

  it('still runs the flow with the real token (masking is for answers only)', async () => {
    const res = await raw(server.port, {
      method: 'POST',
      path: '/hooks/crm',
      headers: { 'x-flowbench-token': HOOK_TOKEN, 'content-type': 'application/json' },
      body: '{}',
    })
    expect(res.status).toBe(202)
  })
})

describe('serve bound to another address', () => {
  it('answers only the host name it is bound to', async () => {
    const other = Store.open(tempDir('fb-sec-rebind-other-'))
    const bound = await serve({
      flows: [{ flow: leakyFlow(), revision: 1 }],
      store: other,
      plugins: registry,
      host: '127.0.0.2',
      port: 0,
      token: 'server-token',
      log: () => {},
    })
    try {
      const auth = { authorization: 'Bearer server-token' }
      const ok = await raw(bound.port, {
        host: '127.0.0.2',
        path: '/api/flows',
        headers: { ...auth, host: `127.0.0.2:${bound.port}` },
      })
      expect(ok.status).toBe(200)
      for (const host of [`evil.example:${bound.port}`, `localhost:${bound.port}`]) {
        const res = await raw(bound.port, {
          host: '127.0.0.2',
          path: '/api/flows',
          headers: { ...auth, host },
        })
        expect(res.status, host).toBe(403)
      }
    } finally {
      await bound.close()
      other.close()
    }
  })

  it('answers extra names given with allowedHosts (a tunnel or proxy in front)', async () => {
    const other = Store.open(tempDir('fb-sec-rebind-proxy-'))
    const proxied = await serve({
      flows: [{ flow: leakyFlow(), revision: 1 }],
      store: other,
      plugins: registry,
      port: 0,
      allowedHosts: ['hooks.example.com'],
      log: () => {},
    })
    try {
      expect(
        (await raw(proxied.port, { path: '/api/flows', headers: { host: 'hooks.example.com' } }))
          .status,
      ).toBe(200)
      expect(
        (await raw(proxied.port, { path: '/api/flows', headers: { host: 'evil.example' } })).status,
      ).toBe(403)
    } finally {
      await proxied.close()
      other.close()
    }
  })
})
