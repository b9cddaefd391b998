import { describe, expect, it } from 'vitest'
import { buildCsp, cspForMeta } from './csp'

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

  it('drops for the <meta> copy only what a meta policy cannot carry', () => {
    const meta = cspForMeta(buildCsp())
    expect(meta).not.toContain('frame-ancestors')
    expect(meta).toContain(`script-src 'self'`)
    expect(meta).toContain(`default-src 'none'`)
  })
})
