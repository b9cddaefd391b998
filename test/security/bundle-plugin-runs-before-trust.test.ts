/**
 * Attack: a bundle's plugin code ran as soon as it was imported — before anyone agreed, even when
 * the bundle's flows failed validation, and again at every later CLI start. Now a bundle is data
 * until the user trusts its plugins: nothing of it runs or is written without --trust-plugins.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  cli,
  markerBundle,
  markerFlow,
  markerPlugin,
  markerText,
  tempDir,
  writeBundle,
  writePluginFolder,
} from './bundle-fixtures'

describe('a bundle carrying plugin code', () => {
  it('is refused by `flowbench import` without --trust-plugins: code listed, not run, nothing written', async () => {
    const dir = tempDir('untrusted')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const file = writeBundle(markerBundle(plugin), dir)
    const dataDir = path.join(dir, 'data')

    const result = await cli(['import', file, '--data-dir', dataDir])
    expect(result.code).toBe(1)
    expect(result.out).toMatch(/acme\.marker\s+1\.0\.0\s+\d+ B\s+[0-9a-f]{64}\s+not installed/)
    expect(result.err).toContain('acme.marker@1.0.0')
    expect(result.err).toContain('--trust-plugins')
    expect(markerText(plugin.marker)).toBe('')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)

    // A later start (any command) runs nothing from it either.
    expect((await cli(['plugins', 'list', '--json', '--data-dir', dataDir])).out).not.toContain(
      'acme.marker',
    )
    expect(markerText(plugin.marker)).toBe('')
  })

  it('is not run by a trusted import whose flows fail validation', async () => {
    const dir = tempDir('invalid')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    // `level` must be a number by the plugin's declared config schema.
    const file = writeBundle(markerBundle(plugin, { flow: markerFlow({ level: 'high' }) }), dir)
    const dataDir = path.join(dir, 'data')

    const result = await cli(['import', file, '--trust-plugins', '--data-dir', dataDir])
    expect(result.code).not.toBe(0)
    expect(result.err).toContain('has errors')
    expect(markerText(plugin.marker)).toBe('')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
  })

  it('is never loaded at a later CLI start when it reached the plugins folder without being installed', async () => {
    const dir = tempDir('planted')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const dataDir = path.join(dir, 'data')
    // As an older Flowbench's import (or anything else) would have left it.
    writePluginFolder(plugin, path.join(dataDir, 'plugins', 'acme.marker'))

    const result = await cli(['plugins', 'list', '--json', '--data-dir', dataDir])
    expect(result.code).toBe(0)
    expect(result.err).toContain('was not installed through Flowbench')
    expect(markerText(plugin.marker)).toBe('')
  })

  it('is not run by `flowbench run` or `flowbench test` on the bundle file without --trust-plugins', async () => {
    const dir = tempDir('run')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const file = writeBundle(markerBundle(plugin), dir)
    const dataDir = path.join(dir, 'data')

    for (const command of ['run', 'test']) {
      const result = await cli([command, file, '--data-dir', dataDir])
      expect(result.code).toBe(2)
      expect(result.err).toContain('--trust-plugins')
    }
    expect(markerText(plugin.marker)).toBe('')

    // With it, the code runs for that command only: nothing is installed in the data directory.
    expect((await cli(['run', file, '--trust-plugins', '--data-dir', dataDir])).code).toBe(0)
    expect(markerText(plugin.marker)).toContain('created')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
  })

  it('runs once the user trusts it: installed after the import, loaded once, and at later starts', async () => {
    const dir = tempDir('trusted')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const file = writeBundle(markerBundle(plugin), dir)
    const dataDir = path.join(dir, 'data')

    const result = await cli(['import', file, '--trust-plugins', '--data-dir', dataDir])
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    expect(result.out).toContain('Imported marked as production revision 1')
    expect(markerText(plugin.marker)).toBe('loaded 1.0.0\n')

    const later = await cli(['plugins', 'list', '--json', '--data-dir', dataDir])
    expect(later.out).toContain('acme.marker')
    expect(later.err).toBe('')
  })
})
