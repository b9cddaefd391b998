/**
 * Attack: `flowbench serve <bundle>` installed and ran the bundle's plugin code without asking,
 * and recorded it as installed, so every later start ran it too. Serving a bundle now runs its
 * plugin code only with --trust-plugins, for that process only, and installs nothing.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cli,
  markerBundle,
  markerPlugin,
  markerText,
  tempDir,
  writeBundle,
} from './bundle-fixtures'

describe('serving a bundle that carries plugin code', () => {
  it('refuses without --trust-plugins: code listed, not run, nothing installed', async () => {
    const dir = tempDir('serve-untrusted')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const file = writeBundle(markerBundle(plugin), dir)
    const dataDir = path.join(dir, 'data')

    const result = await cli(['serve', file, '--port', '0', '--data-dir', dataDir])
    expect(result.code).toBe(2)
    expect(result.err).toContain('acme.marker@1.0.0')
    expect(result.err).toContain('--trust-plugins')
    expect(markerText(plugin.marker)).toBe('')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
  })
})
