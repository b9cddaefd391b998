import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { APP_ENTRY_URL, createAppProtocolHandler, resolveRendererFile } from './app-protocol'

let dir: string
let renderer: string

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-protocol-'))
  renderer = path.join(dir, 'renderer')
  mkdirSync(path.join(renderer, 'assets'), { recursive: true })
  writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><title>Flowbench</title>')
  writeFileSync(path.join(renderer, 'assets', 'index-abc.js'), 'console.log(1)')
  writeFileSync(path.join(dir, 'secret.txt'), 'the user’s secret')
  symlinkSync(path.join(dir, 'secret.txt'), path.join(renderer, 'assets', 'link.txt'))
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('resolveRendererFile', () => {
  it('maps app URLs into the renderer folder', () => {
    expect(resolveRendererFile(renderer, APP_ENTRY_URL)).toBe(path.join(renderer, 'index.html'))
    expect(resolveRendererFile(renderer, 'app://flowbench/')).toBe(
      path.join(renderer, 'index.html'),
    )
    expect(resolveRendererFile(renderer, 'app://flowbench/assets/index-abc.js?v=1#x')).toBe(
      path.join(renderer, 'assets', 'index-abc.js'),
    )
  })

  it('refuses everything that would leave it or is not the app', () => {
    for (const url of [
      'app://flowbench/..%2fsecret.txt',
      'app://flowbench/assets/..%2f..%2fsecret.txt',
      'app://flowbench/%2e%2e%2fsecret.txt',
      'app://flowbench/..%5csecret.txt',
      'app://flowbench/index.html%00.js',
      'app://flowbench/%E0%A4%A',
      'app://other/index.html',
      'file:///etc/passwd',
      'not a url',
    ]) {
      expect(resolveRendererFile(renderer, url), url).toBeNull()
    }
    // An encoded absolute path stays a path inside the folder.
    expect(resolveRendererFile(renderer, 'app://flowbench/%2Fetc%2Fpasswd')).toBe(
      path.join(renderer, 'etc', 'passwd'),
    )
  })
})

describe('createAppProtocolHandler', () => {
  const csp = `default-src 'none'; script-src 'self'`

  it('serves index.html with the CSP header', async () => {
    const handle = createAppProtocolHandler({ rendererRoot: renderer, csp })
    const response = await handle(new Request(APP_ENTRY_URL))
    expect(response.status).toBe(200)
    expect(response.headers.get('content-security-policy')).toBe(csp)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(await response.text()).toContain('<title>Flowbench</title>')
  })

  it('serves assets with their type', async () => {
    const handle = createAppProtocolHandler({ rendererRoot: renderer, csp })
    const response = await handle({ url: 'app://flowbench/assets/index-abc.js' })
    expect(response.headers.get('content-type')).toContain('text/javascript')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('falls back to the shell for routes and 404s for missing assets', async () => {
    const handle = createAppProtocolHandler({ rendererRoot: renderer, csp })
    expect((await handle({ url: 'app://flowbench/flows/abc' })).status).toBe(200)
    expect((await handle({ url: 'app://flowbench/assets/missing.js' })).status).toBe(404)
  })

  it('refuses traversal, symlinks out of the folder and writes', async () => {
    const handle = createAppProtocolHandler({ rendererRoot: renderer, csp })
    for (const url of ['app://flowbench/..%2fsecret.txt', 'app://flowbench/assets/link.txt']) {
      const response = await handle({ url })
      expect(response.status, url).toBe(403)
      expect(await response.text()).not.toContain('secret')
    }
    expect((await handle({ url: APP_ENTRY_URL, method: 'POST' })).status).toBe(405)
  })
})
