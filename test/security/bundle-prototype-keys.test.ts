/**
 * Attack: `__proto__`/`constructor` names in a bundle — as manifest keys, zip entry names or
 * plugin file names — were accepted unchecked; copied with `obj[name] = …` they reach an object's
 * prototype (a plugin file named `__proto__` replaced the prototype of the file map and silently
 * vanished from the install). They are now refused with a message naming the key.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { strToU8 } from 'fflate'
import { createBundle } from '../../src-main/bundles/bundle'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { APP_VERSION } from '../../src-main/version'
import {
  cli,
  forgeBundle,
  MARKER_ID,
  markerBundle,
  markerFlow,
  markerMeta,
  markerPlugin,
  markerText,
  tempDir,
  writeBundle,
} from './bundle-fixtures'

async function importRefused(data: Uint8Array, message: string) {
  const dir = tempDir('proto')
  const dataDir = path.join(dir, 'data')
  const result = await cli([
    'import',
    writeBundle(data, dir),
    '--trust-plugins',
    '--data-dir',
    dataDir,
  ])
  expect(result.code).toBe(2)
  expect(result.err).toContain(message)
  expect(existsSync(path.join(dataDir, 'plugins', 'acme.marker'))).toBe(false)
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
}

describe('a bundle using prototype names', () => {
  const plugin = markerPlugin(path.join(tempDir('proto-marker'), 'marker.txt'))
  const bundle = markerBundle(plugin)

  it.each(['__proto__', 'constructor', 'prototype'])(
    'is refused when its manifest has a "%s" key',
    async (key) => {
      await importRefused(
        forgeBundle(
          bundle,
          () => undefined,
          (text) =>
            text.replace(
              '"plugins": [\n    {',
              `"plugins": [\n    { "${key}": { "polluted": true },`,
            ),
        ),
        `manifest has the key "${key}" at plugins.0, which is not allowed`,
      )
    },
  )

  it.each(['plugins/acme.marker/__proto__', 'plugins/acme.marker/constructor', 'constructor'])(
    'is refused when it holds an entry named "%s"',
    async (name) => {
      const segment = name.split('/').pop()!
      await importRefused(
        forgeBundle(bundle, (entries) => (entries[name] = strToU8('export default 1'))),
        `entry "${name}" whose name uses "${segment}", which is not allowed`,
      )
    },
  )

  it('is refused when a plugin package.json has a "__proto__" key', async () => {
    await importRefused(
      forgeBundle(bundle, (entries) => {
        entries['plugins/acme.marker/package.json'] = strToU8(
          '{"name":"x","version":"1.0.0","type":"module","__proto__":{"polluted":true}}',
        )
      }),
      'package.json of plugin acme.marker has the key "__proto__" at the top',
    )
    expect(markerText(plugin.marker)).toBe('')
  })

  it('is never made: export refuses plugin files with such names', () => {
    const builtins = PluginRegistry.withBuiltins()
    const files = Object.create(null) as Record<string, Uint8Array>
    Object.assign(files, plugin.files)
    files['__proto__'] = strToU8('x')
    expect(() =>
      createBundle([{ flow: markerFlow(), revision: 1 }], {
        appVersion: APP_VERSION,
        plugins: {
          get: (id) => (id === MARKER_ID ? markerMeta('1.0.0') : builtins.get(id)),
          originOf: (id) => (id === MARKER_ID ? 'user' : 'builtin'),
        },
        pluginFiles: () => ({ id: MARKER_ID, version: '1.0.0', files }),
      }),
    ).toThrow('has the file "__proto__", whose name uses "__proto__", which is not allowed')
  })
})
