import { mkdtempSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiEvents } from '../../src-shared/api/events'
import type { ApiHandlers } from '../api/dispatch'
import { ApiEventHub } from '../app/event-hub'
import type { WebHost } from './server'
import { MAX_API_BODY_BYTES, startWebHost } from './server'

const handlers = {
  'app.info': () => ({
    name: 'Flowbench',
    version: '1.2.3',
    dataDir: '/d',
    pluginCount: 1,
    platform: 'linux',
    mode: 'web' as const,
  }),
  'plugins.list': () => [],
} as unknown as ApiHandlers

let host: WebHost
const events = new ApiEventHub()

/** Raw requests, so the Host header and the body are exactly what the test says. */
function request(options: {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string | Buffer
}) {
  return new Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }>(
    (resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: host.port,
          method: options.method ?? 'GET',
          path: options.path,
          headers: options.headers,
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('end', () =>
            resolve({
              status: res.statusCode!,
              body: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          )
        },
      )
      req.on('error', reject)
      if (options.body) req.write(options.body)
      req.end()
    },
  )
}

beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-static-'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Flowbench</title>')
  host = await startWebHost({ handlers, events, staticDir: dir, port: 0, token: 'secret-token' })
})

afterAll(() => host.close())

const auth = { authorization: 'Bearer secret-token', 'content-type': 'application/json' }

describe('web host', () => {
  it('prints a loopback URL with the token', () => {
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=secret-token`)
  })

  it('serves the shell with a CSP', async () => {
    const res = await request({ path: '/' })
    expect(res.status).toBe(200)
    expect(res.body).toContain('<title>Flowbench</title>')
    expect(res.headers['content-security-policy']).toContain(`script-src 'self'`)
  })

  it('answers API calls with the token', async () => {
    const res = await request({ method: 'POST', path: '/api/app.info', headers: auth, body: '{}' })
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body)).toEqual({
      ok: true,
      value: expect.objectContaining({ version: '1.2.3' }),
    })
  })

  it('refuses calls without the right token (401)', async () => {
    expect((await request({ method: 'POST', path: '/api/app.info', body: '{}' })).status).toBe(401)
    expect(
      (
        await request({
          method: 'POST',
          path: '/api/app.info',
          headers: { authorization: 'Bearer wrong' },
          body: '{}',
        })
      ).status,
    ).toBe(401)
  })

  it('refuses foreign Host headers (403)', async () => {
    const res = await request({
      method: 'POST',
      path: '/api/app.info',
      headers: { ...auth, host: 'evil.example' },
      body: '{}',
    })
    expect(res.status).toBe(403)
    expect((await request({ path: '/', headers: { host: 'attacker.test:80' } })).status).toBe(403)
    expect((await request({ path: '/', headers: { host: `localhost:${host.port}` } })).status).toBe(
      200,
    )
  })

  it('refuses bodies over 5 MB (413)', async () => {
    const big = Buffer.alloc(MAX_API_BODY_BYTES + 10, 0x20)
    const res = await request({ method: 'POST', path: '/api/app.info', headers: auth, body: big })
    expect(res.status).toBe(413)
  })

  it('answers malformed JSON with 400', async () => {
    const res = await request({
      method: 'POST',
      path: '/api/app.info',
      headers: auth,
      body: '{"oops"',
    })
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).error.code).toBe('malformed-json')
  })

  it('validates arguments against the contract', async () => {
    const res = await request({
      method: 'POST',
      path: '/api/app.info',
      headers: auth,
      body: '{"x":1}',
    })
    expect(JSON.parse(res.body)).toMatchObject({ ok: false, error: { code: 'bad-argument' } })
  })

  it('answers unknown methods with 404', async () => {
    const res = await request({
      method: 'POST',
      path: '/api/nope.nothing',
      headers: auth,
      body: '{}',
    })
    expect(res.status).toBe(404)
  })

  it('does not serve files outside the static folder', async () => {
    const res = await request({ path: '/..%2f..%2fetc%2fpasswd.txt' })
    expect(res.status).toBe(404)
  })
})

describe('web host events (Server-Sent Events)', () => {
  it('refuses the event stream without the token (401) or from a foreign Host (403)', async () => {
    expect((await request({ path: '/api/events' })).status).toBe(401)
    expect(
      (await request({ path: '/api/events', headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401)
    const foreign = await request({
      path: '/api/events',
      headers: { authorization: 'Bearer secret-token', host: 'evil.example' },
    })
    expect(foreign.status).toBe(403)
    expect(events.listening).toBe(false)
  })

  it('streams each event under its name, as the contract’s schema describes it', async () => {
    const delivery = {
      seq: 7,
      flowId: 'orders',
      source: 'webhook',
      receivedAt: '2026-01-01T00:00:00.000Z',
      status: 'done',
      runId: 'r-7',
    }
    const received = await new Promise<{ type: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: host.port,
            path: '/api/events',
            headers: { authorization: 'Bearer secret-token' },
          },
          (res) => {
            let body = ''
            res.setEncoding('utf8')
            res.on('data', (chunk: string) => {
              body += chunk
              // Connected: now an event emitted in main reaches this page.
              if (body.includes(': connected') && !body.includes('event:'))
                events.emit('runnerDelivery', delivery)
              if (body.includes('\n\nevent:') && body.endsWith('\n\n')) {
                resolve({ type: res.headers['content-type'], body })
                req.destroy()
              }
            })
          },
        )
        req.on('error', reject)
        req.end()
      },
    )
    expect(received.type).toMatch(/^text\/event-stream/)
    const block = received.body.split('\n\n').find((b) => b.startsWith('event:'))!
    const [eventLine, dataLine] = block.split('\n')
    expect(eventLine).toBe('event: runnerDelivery')
    const payload = JSON.parse(dataLine!.slice('data: '.length)) as unknown
    expect(apiEvents.runnerDelivery.parse(payload)).toEqual(delivery)
    // The page went away: main stops sending to it.
    for (let i = 0; i < 50 && events.listening; i++) await new Promise((r) => setTimeout(r, 10))
    expect(events.listening).toBe(false)
  })
})
