/**
 * The app's renderer build writes the CSP into index.html as a <meta>, ahead of every script, so the
 * page keeps its policy even where no header carries one. Built with the real plugin on a tiny page.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { build } from 'vite'
import { afterAll, describe, expect, it } from 'vitest'
import { buildCsp, cspForMeta } from '../../src-main/electron/csp'
import electronViteConfig, { cspMetaTag } from '../../electron.vite.config'

const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-csp-meta-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('the built index.html', () => {
  it('is part of the app’s renderer build', () => {
    const { renderer } = electronViteConfig as { renderer: { plugins: unknown[] } }
    expect(
      renderer.plugins
        ?.flat()
        .some((p) => p && typeof p === 'object' && 'name' in p && p.name === 'flowbench-csp-meta'),
    ).toBe(true)
  })

  it('carries the CSP in a <meta> before any script', async () => {
    const src = path.join(dir, 'src')
    mkdirSync(src, { recursive: true })
    writeFileSync(
      path.join(src, 'index.html'),
      '<!doctype html><html><head><title>t</title></head><body><script type="module" src="./main.js"></script></body></html>',
    )
    writeFileSync(path.join(src, 'main.js'), 'document.title = "built"\n')
    await build({
      root: src,
      base: './',
      configFile: false,
      logLevel: 'silent',
      plugins: [cspMetaTag()],
      build: { outDir: path.join(dir, 'out'), emptyOutDir: true },
    })
    const html = readFileSync(path.join(dir, 'out', 'index.html'), 'utf8')
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)
    expect(meta?.[1]?.replaceAll('&#39;', "'")).toBe(cspForMeta(buildCsp()))
    expect(html.indexOf('Content-Security-Policy')).toBeLessThan(html.indexOf('<script'))
    expect(meta?.[1]).toContain('script-src')
    expect(meta?.[1]).not.toContain('frame-ancestors')
  }, 60_000)
})
