/**
 * Bundles whose plugin code leaves a marker file when it is loaded (module top level) and when
 * it creates an action: if the marker exists, the bundle's code ran. Built without loading the
 * code (metadata is written by hand), so making the bundle never runs it.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unzipSync, zipSync } from 'fflate'
import type { Flow } from '../../src-shared/flow/types'
import type { PluginMeta } from '../../src-shared/plugin-sdk'
import { createBundle } from '../../src-main/bundles/bundle'
import type { BundledPlugin } from '../../src-main/bundles/bundle'
import { main } from '../../src-main/cli/main'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { APP_VERSION } from '../../src-main/version'
import { buildFlow } from '../fixtures/flows'

export const MARKER_ID = 'acme.marker'

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `fb-sec-${prefix}-`))
}

export interface MarkerPlugin {
  marker: string
  files: Record<string, Uint8Array>
  version: string
}

/**
 * The plugin's files. `codeVersion` is what its definition says when loaded; `packageVersion`
 * what its package.json says; both default to `version`.
 */
export function markerPlugin(
  marker: string,
  options: { version?: string; codeVersion?: string; packageVersion?: string } = {},
): MarkerPlugin {
  const version = options.version ?? '1.0.0'
  const code = `import { appendFileSync } from 'node:fs'
appendFileSync(${JSON.stringify(marker)}, 'loaded ${version}\\n')
export default {
  id: ${JSON.stringify(MARKER_ID)},
  version: ${JSON.stringify(options.codeVersion ?? version)},
  name: 'Marker', description: 'Leaves a marker', group: 'Acme',
  inputs: ['payload'], outputs: ['payload'],
  configSchema: { type: 'object', properties: { level: { type: 'number' } }, additionalProperties: false },
  defaultConfig: {},
  docs: { markdown: 'Marker' },
  testTemplate: { payload: {} },
  create: () => {
    appendFileSync(${JSON.stringify(marker)}, 'created\\n')
    return { run: (payload) => ({ port: 'payload', value: payload }) }
  },
}
`
  const pkg = {
    name: 'acme-marker',
    version: options.packageVersion ?? version,
    type: 'module',
    main: 'index.js',
  }
  const enc = new TextEncoder()
  return {
    marker,
    version,
    files: { 'package.json': enc.encode(JSON.stringify(pkg)), 'index.js': enc.encode(code) },
  }
}

export function markerMeta(version: string): PluginMeta {
  return {
    id: MARKER_ID,
    version,
    name: 'Marker',
    description: 'Leaves a marker',
    group: 'Acme',
    inputs: ['payload'],
    outputs: ['payload'],
    configSchema: {
      type: 'object',
      properties: { level: { type: 'number' } },
      additionalProperties: false,
    },
    defaultConfig: {},
    docs: { markdown: 'Marker' },
    testTemplate: { payload: {} },
  }
}

export function markerFlow(config: Record<string, unknown> = {}, id = 'marked'): Flow {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['mark', MARKER_ID, config],
    ],
    ['start.payload -> mark'],
    id,
  )
  return {
    ...flow,
    tests: [
      { name: 'runs the marker', event: {}, expect: { status: 'succeeded', reached: ['mark'] } },
    ],
  }
}

/** A bundle carrying the marker plugin, made without loading its code. */
export function markerBundle(
  plugin: MarkerPlugin,
  options: { flow?: Flow; declaredVersion?: string; signWith?: string } = {},
): Uint8Array {
  const builtins = PluginRegistry.withBuiltins()
  const declared = options.declaredVersion ?? plugin.version
  const bundled: BundledPlugin = { id: MARKER_ID, version: declared, files: plugin.files }
  return createBundle([{ flow: options.flow ?? markerFlow(), revision: 1 }], {
    appVersion: APP_VERSION,
    plugins: {
      get: (id) => (id === MARKER_ID ? markerMeta(declared) : builtins.get(id)),
      originOf: (id) => (id === MARKER_ID ? 'user' : 'builtin'),
    },
    pluginFiles: () => bundled,
    signWith: options.signWith,
  })
}

export function writeBundle(data: Uint8Array, dir = tempDir('bundle')): string {
  const file = path.join(dir, 'marked.flowbundle')
  writeFileSync(file, data)
  return file
}

/** Writes the plugin as a folder (to install it, or to plant it in a plugins folder). */
export function writePluginFolder(plugin: MarkerPlugin, dir: string): string {
  mkdirSync(dir, { recursive: true })
  for (const [name, data] of Object.entries(plugin.files)) writeFileSync(path.join(dir, name), data)
  return dir
}

export function markerText(marker: string): string {
  return existsSync(marker) ? readFileSync(marker, 'utf8') : ''
}

/** Runs the CLI in this process, collecting what it prints. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(argv, {
    io: { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n') },
  })
  return { code, out, err }
}

/**
 * Rebuilds a bundle after `edit`, recomputing every checksum in the manifest: a forger's bundle
 * that passes the checksum checks. `manifestText` may rewrite the manifest's final JSON text.
 */
export function forgeBundle(
  data: Uint8Array,
  edit: (entries: Record<string, Uint8Array>, manifest: ForgedManifest) => void,
  manifestText: (text: string) => string = (t) => t,
): Uint8Array {
  const entries = unzipSync(data)
  const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as ForgedManifest
  edit(entries, manifest)
  const sum = (name: string) => createHash('sha256').update(entries[name]!).digest('hex')
  manifest.files = Object.keys(entries)
    .filter((name) => name !== 'manifest.json' && name !== 'signature.json')
    .sort()
    .map((name) => ({ path: name, sha256: sum(name), size: entries[name]!.length }))
  for (const item of [...manifest.flows, ...manifest.tests]) item.sha256 = sum(item.path)
  entries['manifest.json'] = new TextEncoder().encode(
    manifestText(JSON.stringify(manifest, null, 2)),
  )
  return zipSync(entries)
}

export interface ForgedManifest {
  flows: { path: string; sha256: string }[]
  tests: { path: string; sha256: string }[]
  plugins: { id: string; version: string; meta?: { version: string } }[]
  files: { path: string; sha256: string; size: number }[]
}
