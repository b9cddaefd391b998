import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { raw } from '../../test/security/serve-helpers'
import { decodeJson } from './body'
import { problem } from './problem'
import type { HttpServer, LogEntry } from './server'
import { createHttpServer, sendJson } from './server'

let server: HttpServer
const logged: LogEntry[] = []

beforeAll(async () => {
  server = createHttpServer({
    host: '127.0.0.1',
    token: 'tok',
    bodyLimit: 64,
    log: (entry) => logged.push(entry),
    redact: (value) => JSON.parse(JSON.stringify(value).replaceAll('hunter2', '••••')),
    internalMessage: 'Internal error',
  })
  server.app.get('/open', { config: { public: true } }, (_req, reply) => sendJson(reply, 200, 'hi'))
  server.app.get('/own', { config: { noToken: true } }, (_req, reply) => sendJson(reply, 200, 1))
  server.app.post('/echo', (req, reply) => sendJson(reply, 200, decodeJson(req.body as Buffer)))
  server.app.get('/bad', () => {
    throw problem(400, 'the password hunter2 is wrong')
  })
  server.app.get('/crash', () => {
    throw new Error('disk hunter2 full')
  })
  await server.listen()
})
afterAll(() => server.close())

const auth = { authorization: 'Bearer tok' }

describe('the shared HTTP stack', () => {
  it('refuses Host headers that do not name the server, before anything else', async () => {
    for (const host of ['evil.example', `evil.example:${server.port}`, 'localhost']) {
      expect((await raw(server.port, { path: '/open', headers: { host } })).status, host).toBe(403)
      // Also a path the router cannot decode.
      expect((await raw(server.port, { path: '/%E0%A4%A', headers: { host } })).status).toBe(403)
    }
    expect((await raw(server.port, { path: '/%E0%A4%A' })).status).toBe(400)
  })

  it('takes paths with a trailing or doubled slash as the route they name', async () => {
    for (const path of ['/open/', '//open'])
      expect((await raw(server.port, { path })).status, path).toBe(200)
  })

  it('needs the token except on public and noToken routes', async () => {
    expect((await raw(server.port, { path: '/open' })).status).toBe(200)
    expect((await raw(server.port, { path: '/own' })).status).toBe(200)
    const without = await raw(server.port, { method: 'POST', path: '/echo', body: '{}' })
    expect(without.status).toBe(401)
    const headers = { 'x-flowbench-token': 'tok' }
    expect(
      (await raw(server.port, { method: 'POST', path: '/echo', headers, body: '{}' })).status,
    ).toBe(200)
    // Unknown routes are protected too: no probing for what exists without the token.
    expect((await raw(server.port, { path: '/nothing' })).status).toBe(401)
    expect((await raw(server.port, { path: '/nothing', headers: auth })).status).toBe(404)
  })

  it('refuses browser cross-site requests except on public routes', async () => {
    const cross = { ...auth, origin: 'https://evil.example' }
    expect((await raw(server.port, { path: '/own', headers: cross })).status).toBe(403)
    expect((await raw(server.port, { path: '/open', headers: cross })).status).toBe(200)
  })

  it('limits bodies (413) and refuses deep or malformed JSON (400)', async () => {
    const post = (body: string) =>
      raw(server.port, { method: 'POST', path: '/echo', headers: auth, body })
    expect((await post('x'.repeat(65))).status).toBe(413)
    expect((await post('[[[[[[[[[[')).status).toBe(400)
    expect((await post('[1, 2]')).json()).toEqual([1, 2])
  })

  it('redacts error answers and logs; internal errors keep their message to the log', async () => {
    const bad = await raw(server.port, { path: '/bad', headers: auth })
    expect(bad.status).toBe(400)
    expect(bad.json()).toEqual({ error: 'the password •••• is wrong' })
    const crash = await raw(server.port, { path: '/crash', headers: auth })
    expect(crash.status).toBe(500)
    expect(crash.json()).toEqual({ error: 'Internal error' })
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', error: 'disk •••• full' }),
    )
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: 'request', status: 500, path: '/crash' }),
    )
    expect(JSON.stringify(logged)).not.toContain('hunter2')
  })
})
