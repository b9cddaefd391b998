import { describe, expect, it } from 'vitest'
import { buildCsp, buildWindowOptions } from './window-options'

describe('buildWindowOptions', () => {
  it('isolates the renderer', () => {
    const options = buildWindowOptions('/app/out/preload/index.cjs')
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      sandbox: true,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    })
  })
})

describe('buildCsp', () => {
  it('allows scripts only from the app itself and never eval', () => {
    const csp = buildCsp()
    const directives = Object.fromEntries(csp.split('; ').map((d) => [d.split(' ')[0], d]))
    expect(directives['default-src']).toBe(`default-src 'none'`)
    expect(directives['script-src']).toBe(`script-src 'self'`)
    expect(csp).not.toContain('unsafe-eval')
    expect(directives['object-src']).toBe(`object-src 'none'`)
    expect(directives['frame-ancestors']).toBe(`frame-ancestors 'none'`)
    expect(directives['connect-src']).toBe(`connect-src 'self'`)
  })

  it('adds the dev server and its socket in development', () => {
    const csp = buildCsp({ devServerOrigin: 'http://localhost:5173' })
    expect(csp).toContain(`script-src 'self' http://localhost:5173`)
    expect(csp).toContain('ws://localhost:5173')
  })
})
