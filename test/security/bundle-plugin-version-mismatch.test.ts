/**
 * Attack: the manifest's plugin version was never checked against the code, so a bundle could
 * install code that is not the version it claims. Now the manifest's id and version must match
 * the plugin's package.json (checked without running it) and, once trusted and loaded, its
 * definition; a mismatch refuses the whole import.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { strToU8 } from 'fflate'
import {
  cli,
  forgeBundle,
  markerBundle,
  markerPlugin,
  markerText,
  tempDir,
  writeBundle,
} from './bundle-fixtures'

describe('a bundle whose plugin is not the version its manifest says', () => {
  it('is refused without running it when package.json disagrees with the manifest', async () => {
    const dir = tempDir('pkg-version')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const forged = forgeBundle(markerBundle(plugin), (_, manifest) => {
      manifest.plugins[0]!.version = '9.0.0'
      manifest.plugins[0]!.meta!.version = '9.0.0'
    })
    const dataDir = path.join(dir, 'data')
    const result = await cli([
      'import',
      writeBundle(forged, dir),
      '--trust-plugins',
      '--data-dir',
      dataDir,
    ])
    expect(result.code).toBe(2)
    expect(result.err).toContain('says version 9.0.0, but its package.json says "1.0.0"')
    expect(markerText(plugin.marker)).toBe('')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
  })

  it('is refused whole when its loaded definition disagrees with the manifest and package.json', async () => {
    const dir = tempDir('code-version')
    // Manifest and package.json say 2.0.0; the code says 1.0.0.
    const plugin = markerPlugin(path.join(dir, 'marker.txt'), {
      version: '2.0.0',
      codeVersion: '1.0.0',
    })
    const dataDir = path.join(dir, 'data')
    const result = await cli([
      'import',
      writeBundle(markerBundle(plugin), dir),
      '--trust-plugins',
      '--data-dir',
      dataDir,
    ])
    expect(result.code).toBe(2)
    expect(result.err).toContain('acme.marker@2.0.0 turned out to be acme.marker@1.0.0')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
    const later = await cli(['plugins', 'list', '--json', '--data-dir', dataDir])
    expect(later.out).not.toContain('acme.marker')
  })

  it('is refused when the package.json names another plugin id', async () => {
    const dir = tempDir('pkg-id')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const forged = forgeBundle(markerBundle(plugin), (entries) => {
      entries['plugins/acme.marker/package.json'] = strToU8(
        JSON.stringify({
          name: 'x',
          version: '1.0.0',
          type: 'module',
          flowbench: { id: 'acme.other' },
        }),
      )
    })
    const result = await cli([
      'import',
      writeBundle(forged, dir),
      '--trust-plugins',
      '--data-dir',
      path.join(dir, 'data'),
    ])
    expect(result.code).toBe(2)
    expect(result.err).toContain('declares the id "acme.other"')
    expect(markerText(plugin.marker)).toBe('')
  })
})
