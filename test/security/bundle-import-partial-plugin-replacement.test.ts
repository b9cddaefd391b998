/**
 * Attack: a refused import could still leave an installed plugin replaced by the bundle's copy
 * (only newly added plugins were removed on failure). Import is now all-or-nothing, plugin
 * replacements included: the previous version is back in place and in use.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readBundle } from '../../src-main/bundles/bundle'
import { importBundle } from '../../src-main/bundles/import'
import { PluginInstaller } from '../../src-main/plugins-host/installer'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { Store } from '../../src-main/store/store'
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

function installedVersionOnDisk(dataDir: string): string {
  return (
    JSON.parse(
      readFileSync(path.join(dataDir, 'plugins', 'acme.marker', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version
}

async function listed(dataDir: string): Promise<{ id: string; version: string }[]> {
  return JSON.parse((await cli(['plugins', 'list', '--json', '--data-dir', dataDir])).out) as {
    id: string
    version: string
  }[]
}

describe('an import that fails', () => {
  it('leaves the installed older version of a plugin installed (the flows fail validation)', async () => {
    const dir = tempDir('replace')
    const dataDir = path.join(dir, 'data')
    const v1 = markerPlugin(path.join(dir, 'v1.txt'))
    expect(
      (
        await cli([
          'plugins',
          'install',
          writePluginFolder(v1, path.join(dir, 'v1')),
          '--data-dir',
          dataDir,
        ])
      ).code,
    ).toBe(0)

    const v2 = markerPlugin(path.join(dir, 'v2.txt'), { version: '2.0.0' })
    const file = writeBundle(markerBundle(v2, { flow: markerFlow({ level: 'high' }) }), dir)
    const result = await cli(['import', file, '--trust-plugins', '--data-dir', dataDir])
    expect(result.code).not.toBe(0)

    expect(installedVersionOnDisk(dataDir)).toBe('1.0.0')
    expect((await listed(dataDir)).find((p) => p.id === 'acme.marker')?.version).toBe('1.0.0')
    expect(markerText(v2.marker)).toBe('')
  })

  it('puts the previous version back when the flows cannot be written after the swap', async () => {
    const dir = tempDir('rollback')
    const dataDir = path.join(dir, 'data')
    const registry = PluginRegistry.withBuiltins()
    const installer = new PluginInstaller({ pluginsDir: path.join(dataDir, 'plugins'), registry })
    const v1 = markerPlugin(path.join(dir, 'v1.txt'))
    await installer.install(writePluginFolder(v1, path.join(dir, 'v1')))
    const store = Store.open(dataDir)
    // The database refuses the write, after the plugin folders were swapped in.
    store.deploy = () => {
      throw new Error('disk full')
    }
    const v2 = markerPlugin(path.join(dir, 'v2.txt'), { version: '2.0.0' })
    const bundle = readBundle(markerBundle(v2), registry)
    await expect(
      importBundle(bundle, { store, installer, registry, trustPlugins: true }),
    ).rejects.toThrow(/disk full/)
    store.close()

    expect(registry.get('acme.marker')?.version).toBe('1.0.0')
    expect(installedVersionOnDisk(dataDir)).toBe('1.0.0')
    // No second copy or leftover is left to be loaded later.
    expect(
      readdirSync(path.join(dataDir, 'plugins')).filter((name) => !name.startsWith('.trusted')),
    ).toEqual(['acme.marker'])
    expect((await listed(dataDir)).find((p) => p.id === 'acme.marker')?.version).toBe('1.0.0')
    expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker', 'index.js'))).toBe(true)
  })
})
