/**
 * Attack on availability: with a server token (--token) and a hook with its own token, both
 * were read from the one Authorization header, so no request could carry both and the hook was
 * unreachable. Now the server token goes in `Authorization: Bearer …` and the hook token in
 * `X-Flowbench-Token` (each is accepted from either place), and the hook needs both.
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
  store = Store.open(tempDir('fb-sec-tokens-'))
  server = await serve({
    flows: [
      {
        flow: hookFlow('guarded', { path: 'guarded', token: 'hook-token', profileIdField: 'who' }),
        revision: 1,
      },
    ],
    store,
    plugins: PluginRegistry.withBuiltins(),
    port: 0,
    token: 'server-token',
    log: () => {},
  })
})
afterAll(async () => {
  await server.close()
  store.close()
})

const post = (headers: Record<string, string>) =>
  raw(server.port, {
    method: 'POST',
    path: '/hooks/guarded',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ who: 'pat' }),
  })

describe('a hook with its own token behind a server token', () => {
  it('is callable with the server token in Authorization and the hook token in X-Flowbench-Token', async () => {
    const res = await post({
      authorization: 'Bearer server-token',
      'x-flowbench-token': 'hook-token',
    })
    expect(res.status).toBe(202)
    await server.drained()
    expect(store.state.loadProfile('pat')?.traits.hits).toBe(1)
  })

  it('still needs both credentials', async () => {
    expect((await post({ authorization: 'Bearer server-token' })).status).toBe(401)
    expect((await post({ 'x-flowbench-token': 'hook-token' })).status).toBe(401)
    expect(
      (await post({ authorization: 'Bearer hook-token', 'x-flowbench-token': 'wrong' })).status,
    ).toBe(401)
    expect(
      (await post({ authorization: 'Bearer server-token', 'x-flowbench-token': 'server-token' }))
        .status,
    ).toBe(401)
    await server.drained()
    expect(store.state.loadProfile('pat')?.traits.hits).toBe(1)
  })
})
