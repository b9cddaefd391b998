/**
 * `.flowbundle` files (design §8): a zip with `manifest.json`, the flows, their tests and any
 * non-built-in plugin code. Reading a bundle checks everything — the archive's entries, the
 * manifest, every checksum, every required plugin — before the caller writes anything; a
 * tampered, truncated or oversized bundle is refused whole, with the reason.
 *
 * A bundle is data until the user trusts its plugins: reading one never loads its plugin code.
 * What a flow needs to know of a bundled plugin (ports, config schema) travels as metadata in
 * the manifest, so flows are validated without running anything.
 */
import { createHash } from 'node:crypto'
import { unzipSync, zipSync } from 'fflate'
import { z } from 'zod'
import { PluginSummary } from '../../src-shared/api/contract'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import type { PluginLookup, PluginMeta } from '../../src-shared/plugin-sdk'
import { secretsNeeded } from '../../src-shared/flow/environment-refs'
import { SIGNATURE_ENTRY, signManifest } from './signing'

export const BUNDLE_FORMAT = 'flowbench-bundle'
export const BUNDLE_FORMAT_VERSION = 1
export const MAX_BUNDLE_BYTES = 50 * 1024 * 1024
export const MAX_UNPACKED_BYTES = 200 * 1024 * 1024
export const MAX_ENTRIES = 5000

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/)
/**
 * Keys that reach an object's prototype when code copies data with `obj[key] = …`. A bundle
 * that uses them as names is refused rather than cleaned, so what is imported is what was sent.
 */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype'])
const PLUGIN_ID = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/
const SafePath = z
  .string()
  .min(1)
  .max(300)
  .refine(
    (p) =>
      !p.startsWith('/') &&
      !/^[A-Za-z]:/.test(p) &&
      !p.split(/[\\/]/).includes('..') &&
      !p.includes('\\'),
    'must be a relative path inside the bundle',
  )

/**
 * The parts of a plugin definition that flows are validated against (design §5), without `create`:
 * what the palette sees of a plugin, less where it came from.
 */
export const BundledPluginMeta = PluginSummary.omit({ origin: true }).strip()

export const Manifest = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
    appVersion: z.string(),
    createdAt: z.string(),
    flows: z
      .array(
        z
          .object({
            id: z.string().min(1),
            name: z.string(),
            revision: z.number().int().nullable(),
            path: SafePath,
            sha256: Sha256,
          })
          .strict(),
      )
      .min(1),
    tests: z.array(
      z
        .object({
          flowId: z.string(),
          path: SafePath,
          sha256: Sha256,
          cases: z.number().int().nonnegative(),
        })
        .strict(),
    ),
    plugins: z.array(
      z
        .object({
          id: z.string().regex(PLUGIN_ID, 'must be a plugin id like "group.name"'),
          version: z.string(),
          builtin: z.boolean(),
          /** For bundled plugins: the folder holding their code. */
          path: SafePath.optional(),
          /** For bundled plugins: what validation needs to know, so no code runs to validate. */
          meta: BundledPluginMeta.optional(),
        })
        .strict(),
    ),
    files: z.array(
      z.object({ path: SafePath, sha256: Sha256, size: z.number().int().nonnegative() }).strict(),
    ),
    /** The secrets the flows read, by name with their fields: names only, never a value. */
    secrets: z.record(z.string(), z.array(z.string())).optional(),
    /** Each environment's variables (not secret), so `serve --env NAME` can use them. */
    environments: z
      .record(z.string(), z.object({ vars: z.record(z.string(), z.unknown()) }).strict())
      .optional(),
  })
  .strict()
export type Manifest = z.infer<typeof Manifest>

export class BundleError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BundleError'
  }
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

const encoder = new TextEncoder()

export interface BundleFlow {
  flow: Flow
  revision: number | null
}

export interface BundledPlugin {
  id: string
  version: string
  /** Files of the plugin's folder, relative to it (a prototype-less map). */
  files: Record<string, Uint8Array>
}

/** A bundled plugin as read: its code (never loaded here) and what the user is shown before trusting it. */
export interface ReadPlugin extends BundledPlugin {
  /** Bytes of code and data the plugin carries. */
  size: number
  /** sha256 over the plugin's files (each path with its own sha256, sorted): one fingerprint for the whole folder. */
  sha256: string
  /** Declared metadata from the manifest, checked against package.json; null in bundles made before it existed. */
  meta: PluginMeta | null
}

/** A path segment or key that would reach a prototype, or null. */
function forbiddenSegment(name: string): string | null {
  return name.split(/[\\/]/).find((segment) => FORBIDDEN_NAMES.has(segment)) ?? null
}

/** The first own key anywhere in parsed JSON that would reach a prototype, with where it is. */
function forbiddenKey(value: unknown, at: string[] = []): { key: string; at: string } | null {
  if (!value || typeof value !== 'object') return null
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_NAMES.has(key)) return { key, at: at.join('.') || 'the top' }
    const found = forbiddenKey((value as Record<string, unknown>)[key], [...at, key])
    if (found) return found
  }
  return null
}

/** JSON.parse that refuses `__proto__`/`constructor`/`prototype` keys, naming what and where. */
function parseDataJson(text: string, what: string): unknown {
  const value: unknown = JSON.parse(text)
  const bad = forbiddenKey(value)
  if (bad)
    throw new BundleError(
      `${what} has the key "${bad.key}" at ${bad.at}, which is not allowed in a bundle`,
    )
  return value
}

/** One digest over a plugin folder, independent of zip order. */
export function pluginDigest(files: Record<string, Uint8Array>): string {
  const lines = Object.keys(files)
    .sort()
    .map((name) => `${name}\0${sha256(files[name]!)}\n`)
  return createHash('sha256').update(lines.join('')).digest('hex')
}

export interface ExportOptions {
  appVersion: string
  plugins: PluginLookup & { originOf?(id: string): 'builtin' | 'user' | undefined }
  /** The code of user plugins the flows use, by id. */
  pluginFiles?: (id: string) => BundledPlugin | undefined
  /** An Ed25519 private key (PEM): the manifest is signed and the signature stored in the bundle. */
  signWith?: string
  /** Environments whose variables travel with the bundle (secrets never do). */
  environments?: Record<string, { vars: Record<string, unknown> }>
}

/** Checks that a plugin's package.json states the same id and version the manifest will, without running its code. */
function checkPackageJson(
  id: string,
  version: string,
  files: Record<string, Uint8Array>,
  where: string,
): void {
  const data = files['package.json']
  if (!data)
    throw new BundleError(
      `${where} has no package.json, so its id and version cannot be checked without running it`,
    )
  let pkg: { version?: unknown; flowbench?: { id?: unknown } }
  try {
    pkg = parseDataJson(
      new TextDecoder().decode(data),
      `The package.json of plugin ${id}`,
    ) as typeof pkg
  } catch (error) {
    if (error instanceof BundleError) throw error
    throw new BundleError(
      `The package.json of plugin ${id} is not valid JSON: ${(error as Error).message}`,
    )
  }
  if (pkg.version !== version)
    throw new BundleError(
      `Plugin ${id} says version ${version}, but its package.json says ${JSON.stringify(pkg.version)}; the versions must match`,
    )
  const declaredId = pkg.flowbench?.id
  if (declaredId !== undefined && declaredId !== id)
    throw new BundleError(
      `Plugin ${id}: its package.json declares the id ${JSON.stringify(declaredId)}`,
    )
}

/** Builds a bundle from flows that were validated by the caller. */
export function createBundle(flows: BundleFlow[], options: ExportOptions): Uint8Array {
  if (flows.length === 0) throw new BundleError('A bundle needs at least one flow')
  const files: Record<string, Uint8Array> = {}
  const manifest: Manifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    appVersion: options.appVersion,
    createdAt: new Date().toISOString(),
    flows: [],
    tests: [],
    plugins: [],
    files: [],
    secrets: secretsNeeded(
      flows.map((f) => f.flow),
      options.plugins,
    ),
    ...(options.environments ? { environments: options.environments } : {}),
  }
  const pluginIds = new Set<string>()
  for (const { flow, revision } of flows) {
    const { tests, ...definition } = flow
    const flowPath = `flows/${flow.id}.flow.json`
    if (files[flowPath]) throw new BundleError(`Flow "${flow.id}" is in the bundle twice`)
    files[flowPath] = encoder.encode(JSON.stringify(definition, null, 2) + '\n')
    manifest.flows.push({
      id: flow.id,
      name: flow.name,
      revision,
      path: flowPath,
      sha256: sha256(files[flowPath]),
    })
    const cases: TestCase[] = Array.isArray(tests) ? tests : []
    const testsPath = `tests/${flow.id}.tests.json`
    files[testsPath] = encoder.encode(JSON.stringify(cases, null, 2) + '\n')
    manifest.tests.push({
      flowId: flow.id,
      path: testsPath,
      sha256: sha256(files[testsPath]),
      cases: cases.length,
    })
    for (const node of flow.nodes) pluginIds.add(node.plugin)
  }
  for (const id of [...pluginIds].sort()) {
    const meta = options.plugins.get(id)
    if (!meta) throw new BundleError(`The flows use the plugin "${id}", which is not installed`)
    if ((options.plugins.originOf?.(id) ?? 'builtin') === 'builtin') {
      manifest.plugins.push({ id, version: meta.version, builtin: true })
      continue
    }
    const bundled = options.pluginFiles?.(id)
    if (!bundled)
      throw new BundleError(`The code of plugin "${id}" could not be found to bundle it`)
    if (bundled.version !== meta.version)
      throw new BundleError(
        `Plugin ${id} is installed as ${bundled.version} but loaded as ${meta.version}; reinstall it before exporting`,
      )
    checkPackageJson(id, bundled.version, bundled.files, `Plugin ${id}`)
    const folder = `plugins/${id}`
    for (const [relative, data] of Object.entries(bundled.files)) {
      const bad = forbiddenSegment(relative)
      if (bad)
        throw new BundleError(
          `Plugin ${id} has the file "${relative}", whose name uses "${bad}", which is not allowed in a bundle`,
        )
      files[`${folder}/${relative}`] = data
    }
    manifest.plugins.push({
      id,
      version: bundled.version,
      builtin: false,
      path: folder,
      meta: BundledPluginMeta.parse(meta),
    })
  }
  manifest.files = Object.entries(files)
    .map(([path, data]) => ({ path, sha256: sha256(data), size: data.length }))
    .sort((a, b) => a.path.localeCompare(b.path))
  const manifestBytes = encoder.encode(JSON.stringify(manifest, null, 2) + '\n')
  const signature: Record<string, Uint8Array> = options.signWith
    ? {
        [SIGNATURE_ENTRY]: encoder.encode(
          JSON.stringify(signManifest(manifestBytes, options.signWith), null, 2) + '\n',
        ),
      }
    : {}
  return zipSync({ 'manifest.json': manifestBytes, ...signature, ...files }, { level: 6 })
}

export interface ReadBundle {
  manifest: Manifest
  /** The manifest exactly as stored: what a signature covers. */
  manifestBytes: Uint8Array
  /** `signature.json` as stored, when the bundle is signed; checked by verifyBundleSignature. */
  signatureBytes: Uint8Array | null
  flows: { flow: Flow; revision: number | null }[]
  /** Non-built-in plugins with their files; installed only when the user trusts them. */
  plugins: ReadPlugin[]
}

/**
 * Reads and checks a bundle. Throws BundleError (nothing written anywhere) when the archive is
 * truncated or not a zip, too big, has unsafe or duplicate entries, files the manifest does not
 * list (or lists but are missing), a checksum that does not match, or needs a plugin that is
 * neither installed nor bundled.
 */
export function readBundle(
  data: Uint8Array,
  plugins: PluginLookup,
  limits: { maxBundleBytes?: number; maxUnpackedBytes?: number } = {},
): ReadBundle {
  const maxBundle = limits.maxBundleBytes ?? MAX_BUNDLE_BYTES
  const maxUnpacked = limits.maxUnpackedBytes ?? MAX_UNPACKED_BYTES
  if (data.length > maxBundle) throw new BundleError(`The bundle is larger than ${maxBundle} bytes`)
  const names: string[] = []
  let declared = 0
  try {
    unzipSync(data, {
      filter(file) {
        names.push(file.name)
        declared += file.originalSize
        return false
      },
    })
  } catch (error) {
    throw new BundleError(
      `The bundle is not a readable zip (truncated or damaged?): ${(error as Error).message}`,
    )
  }
  if (names.length > MAX_ENTRIES)
    throw new BundleError(
      `The bundle has ${names.length} entries; at most ${MAX_ENTRIES} are allowed`,
    )
  if (declared > maxUnpacked)
    throw new BundleError(
      `The bundle would unpack to ${declared} bytes; at most ${maxUnpacked} are allowed`,
    )
  const seen = new Set<string>()
  for (const name of names) {
    if (
      name.startsWith('/') ||
      name.includes('\\') ||
      /^[A-Za-z]:/.test(name) ||
      name.split('/').includes('..')
    )
      throw new BundleError(`The bundle has an unsafe entry "${name}"`)
    const bad = forbiddenSegment(name)
    if (bad)
      throw new BundleError(
        `The bundle has an entry "${name}" whose name uses "${bad}", which is not allowed`,
      )
    if (seen.has(name)) throw new BundleError(`The bundle has the entry "${name}" twice`)
    seen.add(name)
  }
  if (!seen.has('manifest.json')) throw new BundleError('The bundle has no manifest.json')

  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(data)
  } catch (error) {
    throw new BundleError(`The bundle could not be unpacked: ${(error as Error).message}`)
  }
  const actual = Object.values(entries).reduce((n, e) => n + e.length, 0)
  if (actual > maxUnpacked)
    throw new BundleError(`The bundle unpacks to more than ${maxUnpacked} bytes`)

  let manifest: Manifest
  const manifestBytes = entries['manifest.json']!
  try {
    manifest = Manifest.parse(
      parseDataJson(new TextDecoder().decode(manifestBytes), "The bundle's manifest"),
    )
  } catch (error) {
    if (error instanceof BundleError) throw error
    const issue = error instanceof z.ZodError ? error.issues[0] : null
    throw new BundleError(
      `The bundle's manifest is invalid${issue ? ` at ${issue.path.join('.') || 'the top'}: ${issue.message}` : `: ${(error as Error).message}`}`,
    )
  }

  const listed = new Map(manifest.files.map((f) => [f.path, f]))
  for (const name of Object.keys(entries)) {
    if (name === 'manifest.json' || name === SIGNATURE_ENTRY || name.endsWith('/')) continue
    const file = listed.get(name)
    if (!file) throw new BundleError(`The bundle holds "${name}", which its manifest does not list`)
    if (sha256(entries[name]!) !== file.sha256)
      throw new BundleError(
        `"${name}" does not match its checksum: the bundle was changed after it was made`,
      )
  }
  for (const file of manifest.files)
    if (!entries[file.path])
      throw new BundleError(`The manifest lists "${file.path}", which the bundle does not hold`)
  for (const item of [...manifest.flows, ...manifest.tests]) {
    const file = listed.get(item.path)
    if (!file || file.sha256 !== item.sha256)
      throw new BundleError(`"${item.path}" does not match its checksum in the manifest`)
  }

  const bundled: ReadPlugin[] = []
  const pluginIds = new Set<string>()
  for (const plugin of manifest.plugins) {
    if (pluginIds.has(plugin.id))
      throw new BundleError(`The manifest lists plugin ${plugin.id} twice`)
    pluginIds.add(plugin.id)
    if (plugin.builtin || !plugin.path) {
      const have = plugins.get(plugin.id)
      if (!have)
        throw new BundleError(
          `The bundle needs the plugin ${plugin.id}@${plugin.version}, which is not available here`,
        )
      if (have.version.split('.')[0] !== plugin.version.split('.')[0])
        throw new BundleError(
          `The bundle needs ${plugin.id}@${plugin.version}; this Flowbench has ${have.version}`,
        )
      continue
    }
    const prefix = `${plugin.path}/`
    // No prototype: a file named like an Object.prototype member must not read as present.
    const files = Object.create(null) as Record<string, Uint8Array>
    for (const [name, content] of Object.entries(entries))
      if (name.startsWith(prefix) && !name.endsWith('/')) files[name.slice(prefix.length)] = content
    if (Object.keys(files).length === 0)
      throw new BundleError(`The bundle lists plugin ${plugin.id} but holds none of its code`)
    checkPackageJson(plugin.id, plugin.version, files, `The bundled plugin ${plugin.id}`)
    if (plugin.meta && (plugin.meta.id !== plugin.id || plugin.meta.version !== plugin.version)) {
      throw new BundleError(
        `The manifest lists plugin ${plugin.id}@${plugin.version} but describes ${plugin.meta.id}@${plugin.meta.version}`,
      )
    }
    const size = Object.values(files).reduce((n, f) => n + f.length, 0)
    bundled.push({
      id: plugin.id,
      version: plugin.version,
      files,
      size,
      sha256: pluginDigest(files),
      meta: (plugin.meta as PluginMeta | undefined) ?? null,
    })
  }

  const flows = manifest.flows.map((item) => {
    let flow: Flow
    try {
      flow = JSON.parse(new TextDecoder().decode(entries[item.path])) as Flow
    } catch (error) {
      throw new BundleError(`"${item.path}" is not valid JSON: ${(error as Error).message}`)
    }
    if (flow.id !== item.id)
      throw new BundleError(`"${item.path}" holds flow "${String(flow.id)}", not "${item.id}"`)
    const testsItem = manifest.tests.find((t) => t.flowId === item.id)
    if (testsItem) {
      try {
        flow.tests = JSON.parse(new TextDecoder().decode(entries[testsItem.path])) as TestCase[]
      } catch (error) {
        throw new BundleError(`"${testsItem.path}" is not valid JSON: ${(error as Error).message}`)
      }
    }
    return { flow, revision: item.revision }
  })
  return {
    manifest,
    manifestBytes,
    signatureBytes: entries[SIGNATURE_ENTRY] ?? null,
    flows,
    plugins: bundled,
  }
}
