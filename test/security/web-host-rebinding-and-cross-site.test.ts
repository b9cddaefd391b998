/**
 * Attack: the same DNS-rebinding and cross-site tricks against the web host (browser mode).
 * Its API needs the per-launch token, but it must also refuse foreign Host headers — including
 * a bare `localhost` that names port 80, not this one — and browser requests from another
 * site, like serve does.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiHandlers } from '../../src-main/api/dispatch'
import type { WebHost } from '../../src-main/web-host/server'
import { startWebHost } from '../../src-main/web-host/server'
import { raw } from './serve-helpers'

let calls = 0
const handlers = {
  'app.info': () => {
    calls++
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

let host: WebHost
beforeAll(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-sec-webhost-'))
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Flowbench</title>')
  host = await startWebHost({ handlers, staticDir: dir, port: 0, token: 'launch-token' })
})
afterAll(() => host.close())

const auth = { authorization: 'Bearer launch-token', 'content-type': 'application/json' }

describe('web host', () => {
  it('refuses Host headers that do not name this port', async () => {
    for (const name of ['localhost', '127.0.0.1', `evil.example:${host.port}`, 'localhost:1']) {
      const res = await raw(host.port, {
        method: 'POST',
        path: '/api/app.info',
        headers: { ...auth, host: name },
        body: '{}',
      })
      expect(res.status, name).toBe(403)
    }
    expect(calls).toBe(0)
  })

  it('refuses browser cross-site API calls even with the token', async () => {
    const attacks: Record<string, string>[] = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'same-site' },
    ]
    for (const headers of attacks) {
      const res = await raw(host.port, {
        method: 'POST',
        path: '/api/app.info',
        headers: { ...auth, ...headers },
        body: '{}',
      })
      expect(res.status, JSON.stringify(headers)).toBe(403)
    }
    expect(calls).toBe(0)
  })

  it('answers its own page', async () => {
    const res = await raw(host.port, {
      method: 'POST',
      path: '/api/app.info',
      headers: {
        ...auth,
        origin: `http://localhost:${host.port}`,
        'sec-fetch-site': 'same-origin',
        host: `localhost:${host.port}`,
      },
      body: '{}',
    })
    expect(res.status).toBe(200)
    expect(calls).toBe(1)
  })
})
