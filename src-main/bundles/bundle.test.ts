import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { strToU8, unzipSync, zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { repoRoot, SAMPLES, sampleFlow } from '../../test/fixtures/flows'
import { PluginInstaller } from '../plugins-host/installer'
import { PluginRegistry } from '../plugins-host/registry'
import { Store } from '../store/store'
import { runTests } from '../testing/run-tests'
import { APP_VERSION } from '../version'
import { BundleError, createBundle, readBundle } from './bundle'
import { importBundle } from './import'

const registry = PluginRegistry.withBuiltins()
const samplesBundle = () =>
  createBundle(
    SAMPLES.map((name) => ({ flow: sampleFlow(name), revision: 1 })),
    { appVersion: APP_VERSION, plugins: registry },
  )

/** Rebuilds a bundle with its entries changed by `edit`, keeping the manifest as it was. */
function tamper(
  bundle: Uint8Array,
  edit: (entries: Record<string, Uint8Array>) => void,
): Uint8Array {
  const entries = unzipSync(bundle)
  edit(entries)
  return zipSync(entries)
}

function refused(
  data: Uint8Array,
  message: RegExp,
  limits?: { maxBundleBytes?: number; maxUnpackedBytes?: number },
) {
  expect(() => readBundle(data, registry, limits)).toThrow(BundleError)
  expect(() => readBundle(data, registry, limits)).toThrow(message)
}

describe('bundles', () => {
  it('round-trip every sample: export, import into a fresh data directory, run its tests', async () => {
    const read = readBundle(samplesBundle(), registry)
    expect(read.manifest).toMatchObject({
      format: 'flowbench-bundle',
      formatVersion: 1,
      appVersion: APP_VERSION,
    })
    expect(read.manifest.plugins.every((p) => p.builtin)).toBe(true)
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-import-'))
    const store = Store.open(dataDir)
    const installer = new PluginInstaller({ pluginsDir: path.join(dataDir, 'plugins'), registry })
    const result = await importBundle(read, { store, installer, registry })
    expect(result.flows.map((f) => f.id).sort()).toEqual([...SAMPLES].sort())
    for (const name of SAMPLES) {
      const production = store.production(name)!
      const suite = await runTests(production.flow, store.listTestCases(name), {
        plugins: registry,
      })
      expect(
        suite.failed,
        `${name}: ${JSON.stringify(suite.cases.filter((c) => !c.passed).map((c) => c.unmet))}`,
      ).toBe(0)
      expect(suite.passed).toBeGreaterThan(0)
    }
    store.close()
  })

  it('refuses a tampered flow', () => {
    refused(
      tamper(
        samplesBundle(),
        (e) =>
          (e['flows/vip-tagging.flow.json'] = strToU8(
            new TextDecoder().decode(e['flows/vip-tagging.flow.json']).replace('1000', '10'),
          )),
      ),
      /does not match its checksum/,
    )
  })

  it('refuses a truncated bundle', () => {
    const data = samplesBundle()
    refused(data.slice(0, Math.floor(data.length * 0.6)), /not a readable zip/)
  })

  it('refuses an oversized bundle and one that would unpack too big', () => {
    refused(samplesBundle(), /larger than 1000 bytes/, { maxBundleBytes: 1000 })
    refused(samplesBundle(), /would unpack to \d+ bytes/, { maxUnpackedBytes: 2000 })
  })

  it('refuses entries that climb out or are absolute', () => {
    refused(
      tamper(samplesBundle(), (e) => (e['../evil.js'] = strToU8('x'))),
      /unsafe entry "\.\.\/evil\.js"/,
    )
    refused(
      tamper(samplesBundle(), (e) => (e['/etc/evil'] = strToU8('x'))),
      /unsafe entry/,
    )
  })

  it('refuses an entry that is there twice', () => {
    const zip = zipSync({
      'manifest.json': strToU8('{}'),
      'aaaa.json': strToU8('1'),
      'bbbb.json': strToU8('2'),
    })
    // Rename the second entry to the first one's name, in its local header and the central directory.
    const bytes = Buffer.from(zip)
    let at = bytes.indexOf('bbbb.json')
    while (at >= 0) {
      bytes.write('aaaa.json', at)
      at = bytes.indexOf('bbbb.json', at + 1)
    }
    refused(new Uint8Array(bytes), /"aaaa\.json" twice/)
  })

  it('refuses files the manifest does not list, and a manifest that is not one', () => {
    refused(
      tamper(samplesBundle(), (e) => (e['extra.txt'] = strToU8('x'))),
      /does not list/,
    )
    refused(
      tamper(samplesBundle(), (e) => (e['manifest.json'] = strToU8('{"format":"zip"}'))),
      /manifest is invalid/,
    )
    refused(
      tamper(samplesBundle(), (e) => delete e['manifest.json']),
      /no manifest\.json/,
    )
  })

  it('will not export flows whose plugin code it cannot bundle', () => {
    const flow = {
      ...sampleFlow('vip-tagging'),
      nodes: [
        ...sampleFlow('vip-tagging').nodes,
        { id: 'x', plugin: 'acme.greet', position: { x: 0, y: 0 }, config: {} },
      ],
    }
    const plugins = {
      get: (id: string) =>
        registry.get(id) ??
        (id === 'acme.greet' ? { ...registry.get('flow.log')!, id, version: '1.0.0' } : undefined),
      originOf: (id: string) => (id === 'acme.greet' ? ('user' as const) : ('builtin' as const)),
    }
    expect(() =>
      createBundle([{ flow, revision: 1 }], {
        appVersion: APP_VERSION,
        plugins,
        pluginFiles: () => undefined,
      }),
    ).toThrow(/code of plugin "acme\.greet" could not be found/)
    const unknown = {
      ...sampleFlow('vip-tagging'),
      nodes: [
        ...sampleFlow('vip-tagging').nodes,
        { id: 'y', plugin: 'nope.nope', position: { x: 0, y: 0 }, config: {} },
      ],
    }
    expect(() =>
      createBundle([{ flow: unknown, revision: 1 }], {
        appVersion: APP_VERSION,
        plugins: registry,
      }),
    ).toThrow(/"nope\.nope", which is not installed/)
  })

  it('bundles the code of installed plugins, which import then installs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-bundle-plugin-'))
    const source = PluginRegistry.withBuiltins()
    const sourceInstaller = new PluginInstaller({
      pluginsDir: path.join(dir, 'a', 'plugins'),
      registry: source,
    })
    await sourceInstaller.install(path.join(repoRoot, 'test/fixtures/user-plugins/acme-greet'))
    const flow = {
      ...sampleFlow('ticket-router'),
      id: 'greeting',
      nodes: [
        ...sampleFlow('ticket-router').nodes,
        { id: 'greet', plugin: 'acme.greet', position: { x: 0, y: 0 }, config: {} },
      ],
      edges: [
        ...sampleFlow('ticket-router').edges,
        { id: 'eg', source: 'log', sourcePort: 'payload', target: 'greet', targetPort: 'payload' },
      ],
    }
    const files = await sourceInstaller.filesOf('acme.greet')
    const bundle = createBundle([{ flow, revision: 3 }], {
      appVersion: APP_VERSION,
      plugins: source,
      pluginFiles: () => files,
    })
    // A Flowbench without the plugin refuses nothing: the code travels with the flow.
    const target = PluginRegistry.withBuiltins()
    const read = readBundle(bundle, target)
    expect(read.plugins.map((p) => p.id)).toEqual(['acme.greet'])
    const store = Store.open(path.join(dir, 'b'))
    const installer = new PluginInstaller({
      pluginsDir: path.join(dir, 'b', 'plugins'),
      registry: target,
    })
    // The code travels with the flow, and is installed once the user trusts it.
    await importBundle(read, { store, installer, registry: target, trustPlugins: true })
    expect(target.get('acme.greet')).toBeDefined()
    expect(store.production('greeting')).not.toBeNull()
    store.close()
    // Without bundled code, the missing plugin is named.
    const entries = unzipSync(bundle)
    for (const name of Object.keys(entries)) if (name.startsWith('plugins/')) delete entries[name]
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json']))
    manifest.plugins = manifest.plugins.map((p: { builtin: boolean; path?: string }) => ({
      ...p,
      builtin: false,
      path: undefined,
    }))
    manifest.files = manifest.files.filter((f: { path: string }) => !f.path.startsWith('plugins/'))
    entries['manifest.json'] = strToU8(JSON.stringify(manifest))
    refused(zipSync(entries), /needs the plugin acme\.greet@1\.0\.0, which is not available here/)
  })
})
