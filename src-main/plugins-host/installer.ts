/**
 * User plugins: installed from a folder or an npm tarball into `<dataDir>/plugins/<id>/`,
 * loaded into the registry without a restart, removed the same way. Everything is checked
 * before anything is written; a bad plugin is refused with a message that names it and the
 * cause, and the rest keep working.
 *
 * A plugin folder holds a package.json whose `flowbench.plugin` (or `main`) names an ES module
 * that default-exports a plugin definition (plain JavaScript; it may import relative files and
 * Node built-ins).
 *
 * Plugin code runs with the user's rights, so only code the user chose to install is ever
 * loaded: every install records the folder in `.trusted.json`, and a later start loads only
 * recorded folders. A folder that appears there by any other way is reported, not run.
 */
import {
  cp,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseTarGzip } from 'nanotar'
import { checkPluginDefinition, PluginRefusedError } from './registry'
import type { PluginRegistry } from './registry'
import type { PluginDefinition } from '../../src-shared/plugin-sdk'

export interface InstalledPlugin {
  id: string
  version: string
  name: string
  dir: string
}

export const MAX_PLUGIN_BYTES = 20 * 1024 * 1024
const TRUST_FILE = '.trusted.json'

/** What the user agreed to run: one entry per plugin folder. */
interface TrustRecord {
  id: string
  version: string
  /** How it got here: `flowbench plugins install` / the app, or a bundle the user trusted. */
  via: 'install' | 'bundle'
  trustedAt: string
}

/** A plugin's files to install from a trusted bundle. */
export interface PluginFiles {
  id: string
  version: string
  files: Record<string, Uint8Array>
}

/**
 * Plugins swapped into the plugins folder but not yet registered: the caller commits them once
 * everything else it does has succeeded, or rolls them back to what was installed before.
 */
export interface PendingPlugins {
  /** The loaded definitions, checked against the ids and versions they were installed as. */
  readonly definitions: PluginDefinition[]
  commit(): Promise<InstalledPlugin[]>
  rollback(): Promise<void>
}

function folderOf(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_')
}

let importGeneration = 0
/** The module each loaded definition came from (the registry passes it on to other threads). */
const moduleOfDefinition = new WeakMap<object, string>()

interface PackageJson {
  name?: string
  main?: string
  flowbench?: { plugin?: string }
}

async function entryOf(dir: string): Promise<string> {
  let pkg: PackageJson = {}
  try {
    pkg = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as PackageJson
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`its package.json is not valid JSON (${(error as Error).message})`)
  }
  const relative = pkg.flowbench?.plugin ?? pkg.main ?? 'index.js'
  const entry = path.resolve(dir, relative)
  if (!entry.startsWith(path.resolve(dir) + path.sep))
    throw new Error(`its entry "${relative}" points outside the plugin folder`)
  const info = await stat(entry).catch(() => null)
  if (!info?.isFile()) throw new Error(`its entry file "${relative}" does not exist`)
  return entry
}

/** Imports a plugin's module fresh (ESM caches by URL, so each load gets a new query). */
async function loadDefinition(dir: string): Promise<unknown> {
  const entry = await entryOf(dir)
  let module: { default?: unknown }
  try {
    module = (await import(`${pathToFileURL(entry).href}?v=${++importGeneration}`)) as {
      default?: unknown
    }
  } catch (error) {
    throw new Error(
      `its code threw while loading: ${(error as Error).name}: ${(error as Error).message}`,
    )
  }
  if (module.default && typeof module.default === 'object')
    moduleOfDefinition.set(module.default, pathToFileURL(entry).href)
  return module.default
}

function idOf(candidate: unknown): string | null {
  return candidate &&
    typeof candidate === 'object' &&
    typeof (candidate as { id?: unknown }).id === 'string'
    ? (candidate as { id: string }).id
    : null
}

/** Unpacks an npm tarball into a folder after checking every entry; nothing is written for a bad one. */
async function unpackTarball(file: string, into: string): Promise<string> {
  const data = await readFile(file)
  let entries
  try {
    entries = await parseTarGzip(data)
  } catch (error) {
    throw new Error(`it is not a gzipped tarball (${(error as Error).message})`)
  }
  let total = 0
  const files: { name: string; data: Uint8Array }[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const name = entry.name.replace(/\\/g, '/')
    if (name.startsWith('/') || /^[A-Za-z]:/.test(name) || name.split('/').includes('..'))
      throw new Error(`it contains an unsafe path "${entry.name}"`)
    if (entry.type === 'symbolicLink' || entry.type === 'hardLink')
      throw new Error(`it contains a link "${entry.name}"`)
    if (entry.type !== undefined && entry.type !== 'file' && entry.type !== 'contiguousFile')
      continue
    if (seen.has(name)) throw new Error(`it contains "${entry.name}" twice`)
    seen.add(name)
    total += entry.data?.length ?? 0
    if (total > MAX_PLUGIN_BYTES)
      throw new Error(`it unpacks to more than ${MAX_PLUGIN_BYTES / 1024 / 1024} MB`)
    files.push({ name: name.replace(/^package\//, ''), data: entry.data ?? new Uint8Array() })
  }
  if (files.length === 0) throw new Error('it is empty')
  for (const f of files) {
    const target = path.join(into, f.name)
    await mkdir(path.dirname(target), { recursive: true })
    await writeFile(target, f.data)
  }
  return into
}

export class PluginInstaller {
  readonly pluginsDir: string
  private readonly registry: PluginRegistry
  private readonly loaded = new Map<string, InstalledPlugin>()

  constructor(options: { pluginsDir: string; registry: PluginRegistry }) {
    this.pluginsDir = options.pluginsDir
    this.registry = options.registry
  }

  list(): InstalledPlugin[] {
    return [...this.loaded.values()]
  }

  /** Loads every installed plugin; bad ones are skipped and reported, the rest keep working. */
  async loadAll(): Promise<{
    loaded: InstalledPlugin[]
    refused: { dir: string; message: string }[]
  }> {
    const refused: { dir: string; message: string }[] = []
    const names = await readdir(this.pluginsDir).catch(() => [] as string[])
    const trusted = await this.readTrust()
    for (const name of names.sort()) {
      const dir = path.join(this.pluginsDir, name)
      if (!(await stat(dir).catch(() => null))?.isDirectory() || name.startsWith('.')) continue
      const record = trusted.get(name)
      if (!record) {
        refused.push({
          dir,
          message: `Plugin folder ${dir} was not installed through Flowbench, so its code was not loaded; if you trust it, install it with "flowbench plugins install ${dir}"`,
        })
        continue
      }
      try {
        const candidate = await loadDefinition(dir)
        if (idOf(candidate) !== record.id)
          throw new PluginRefusedError(
            record.id,
            `Plugin at ${dir} was installed as ${record.id} but now says it is ${String(idOf(candidate))}; reinstall it`,
          )
        this.registerFrom(dir, candidate)
      } catch (error) {
        refused.push({
          dir,
          message:
            error instanceof PluginRefusedError
              ? error.message
              : `Plugin at ${dir}: ${(error as Error).message}`,
        })
      }
    }
    return { loaded: this.list(), refused }
  }

  private registerFrom(dir: string, candidate: unknown, replacing?: string): InstalledPlugin {
    const id = idOf(candidate) ?? path.basename(dir)
    const problems = checkPluginDefinition(candidate)
    if (problems.length > 0)
      throw new PluginRefusedError(id, `Plugin ${id} is invalid: ${problems.join('; ')}`)
    if (replacing) this.registry.unregister(replacing)
    const definition = this.registry.register(
      candidate,
      'user',
      moduleOfDefinition.get(candidate as object),
    )
    const installed = { id: definition.id, version: definition.version, name: definition.name, dir }
    this.loaded.set(definition.id, installed)
    return installed
  }

  /** Installs (or reinstalls) a plugin from a folder or a `.tgz`; usable at once. */
  async install(source: string): Promise<InstalledPlugin> {
    const info = await stat(source).catch(() => null)
    if (!info) throw new PluginRefusedError(source, `Plugin at ${source}: no such file or folder`)
    await mkdir(this.pluginsDir, { recursive: true })
    const staging = await mkdtemp(path.join(this.pluginsDir, '.staging-'))
    try {
      try {
        if (info.isDirectory())
          await cp(source, staging, {
            recursive: true,
            filter: (p) =>
              !p.split(path.sep).includes('node_modules') && !p.split(path.sep).includes('.git'),
          })
        else if (/\.(tgz|tar\.gz)$/.test(source)) await unpackTarball(source, staging)
        else throw new Error('give a plugin folder or an npm tarball (.tgz)')
      } catch (error) {
        throw new PluginRefusedError(source, `Plugin at ${source}: ${(error as Error).message}`)
      }
      let candidate: unknown
      try {
        candidate = await loadDefinition(staging)
      } catch (error) {
        throw new PluginRefusedError(source, `Plugin at ${source}: ${(error as Error).message}`)
      }
      const id = idOf(candidate)
      const problems = checkPluginDefinition(candidate)
      if (!id || problems.length > 0)
        throw new PluginRefusedError(
          id ?? source,
          `Plugin ${id ?? `at ${source}`} is invalid: ${problems.join('; ') || 'it has no id'}`,
        )
      const existing = this.registry.originOf(id)
      if (existing === 'builtin')
        throw new PluginRefusedError(id, `Plugin ${id} collides with the built-in plugin ${id}`)
      // Same id installed before: this is a reinstall or upgrade, swapped in atomically.
      const target = path.join(this.pluginsDir, folderOf(id))
      // Dot-named, so a crash mid-swap never leaves a second copy that a later start would load.
      const backup = path.join(this.pluginsDir, `.backup-${folderOf(id)}-${Date.now()}`)
      const hadTarget = !!(await stat(target).catch(() => null))
      if (hadTarget) await rename(target, backup)
      await rename(staging, target)
      try {
        const installed = this.registerFrom(
          target,
          await loadDefinition(target),
          existing === 'user' ? id : undefined,
        )
        await this.trust([
          { folder: folderOf(id), id: installed.id, version: installed.version, via: 'install' },
        ])
        if (hadTarget) await rm(backup, { recursive: true, force: true })
        return installed
      } catch (error) {
        await rm(target, { recursive: true, force: true })
        if (hadTarget) await rename(backup, target)
        throw error
      }
    } finally {
      await rm(staging, { recursive: true, force: true })
    }
  }

  /** The files of an installed plugin, for bundling with flows that use it. */
  async filesOf(
    id: string,
  ): Promise<{ id: string; version: string; files: Record<string, Uint8Array> } | undefined> {
    const installed = this.loaded.get(id)
    if (!installed) return undefined
    const files = Object.create(null) as Record<string, Uint8Array>
    const walk = async (dir: string, prefix: string) => {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
        const full = path.join(dir, entry.name)
        if (entry.isDirectory()) await walk(full, `${prefix}${entry.name}/`)
        else if (entry.isFile()) files[`${prefix}${entry.name}`] = await readFile(full)
      }
    }
    await walk(installed.dir, '')
    return { id, version: installed.version, files }
  }

  async remove(id: string): Promise<void> {
    const origin = this.registry.originOf(id)
    if (origin === 'builtin')
      throw new PluginRefusedError(id, `Plugin ${id} is built in and cannot be removed`)
    const installed = this.loaded.get(id)
    if (!installed) throw new PluginRefusedError(id, `Plugin ${id} is not installed`)
    this.registry.unregister(id)
    this.loaded.delete(id)
    await this.untrust(path.basename(installed.dir))
    await rm(installed.dir, { recursive: true, force: true })
  }

  /** Whether a user plugin with this id is installed, and at which version. */
  installedVersion(id: string): string | null {
    return this.loaded.get(id)?.version ?? null
  }

  /**
   * Installs plugins from a bundle the user trusted, all or nothing: every folder is staged,
   * then swapped in by rename (the previous version kept aside), then its code is loaded once
   * and checked against the id and version it came as. Nothing is registered until `commit`;
   * any failure, here or in the caller before `commit`, restores what was installed before.
   */
  async installBundled(plugins: PluginFiles[]): Promise<PendingPlugins> {
    await mkdir(this.pluginsDir, { recursive: true })
    const swaps: {
      id: string
      version: string
      target: string
      staging: string
      backup: string | null
      swapped: boolean
    }[] = []
    const rollback = async () => {
      for (const swap of [...swaps].reverse()) {
        if (swap.swapped) {
          await rm(swap.target, { recursive: true, force: true })
          if (swap.backup) await rename(swap.backup, swap.target)
        }
        await rm(swap.staging, { recursive: true, force: true })
      }
    }
    const definitions: PluginDefinition[] = []
    try {
      for (const plugin of plugins) {
        if (this.registry.originOf(plugin.id) === 'builtin')
          throw new PluginRefusedError(
            plugin.id,
            `Plugin ${plugin.id} collides with the built-in plugin ${plugin.id}`,
          )
        const staging = await mkdtemp(path.join(this.pluginsDir, '.staging-'))
        const target = path.join(this.pluginsDir, folderOf(plugin.id))
        swaps.push({
          id: plugin.id,
          version: plugin.version,
          target,
          staging,
          backup: null,
          swapped: false,
        })
        for (const [relative, data] of Object.entries(plugin.files)) {
          const file = path.resolve(staging, relative)
          if (!file.startsWith(staging + path.sep))
            throw new PluginRefusedError(
              plugin.id,
              `Plugin ${plugin.id} has a file outside its folder: "${relative}"`,
            )
          await mkdir(path.dirname(file), { recursive: true })
          await writeFile(file, data)
        }
      }
      for (const swap of swaps) {
        if (await stat(swap.target).catch(() => null)) {
          swap.backup = path.join(
            this.pluginsDir,
            `.backup-${path.basename(swap.target)}-${Date.now()}`,
          )
          await rename(swap.target, swap.backup)
        }
        swap.swapped = true
        await rename(swap.staging, swap.target)
      }
      for (const swap of swaps) {
        let candidate: unknown
        try {
          candidate = await loadDefinition(swap.target)
        } catch (error) {
          throw new PluginRefusedError(swap.id, `Plugin ${swap.id}: ${(error as Error).message}`)
        }
        const problems = checkPluginDefinition(candidate)
        if (problems.length > 0)
          throw new PluginRefusedError(
            swap.id,
            `Plugin ${swap.id} is invalid: ${problems.join('; ')}`,
          )
        const definition = candidate as PluginDefinition
        if (definition.id !== swap.id || definition.version !== swap.version) {
          throw new PluginRefusedError(
            swap.id,
            `Plugin ${swap.id}@${swap.version} turned out to be ${definition.id}@${definition.version} when loaded; refused`,
          )
        }
        definitions.push(definition)
      }
    } catch (error) {
      await rollback()
      throw error
    }
    let settled = false
    return {
      definitions,
      rollback: async () => {
        if (settled) return
        settled = true
        await rollback()
      },
      commit: async () => {
        if (settled) throw new Error('These plugins were already committed or rolled back')
        settled = true
        const installed = swaps.map((swap, i) => {
          const definition = definitions[i]!
          this.registry.unregister(definition.id)
          this.registry.register(definition, 'user', moduleOfDefinition.get(definition))
          const entry = {
            id: definition.id,
            version: definition.version,
            name: definition.name,
            dir: swap.target,
          }
          this.loaded.set(definition.id, entry)
          return entry
        })
        await this.trust(
          swaps.map((swap) => ({
            folder: path.basename(swap.target),
            id: swap.id,
            version: swap.version,
            via: 'bundle' as const,
          })),
        )
        for (const swap of swaps)
          if (swap.backup) await rm(swap.backup, { recursive: true, force: true })
        return installed
      },
    }
  }

  private async readTrust(): Promise<Map<string, TrustRecord>> {
    let parsed: unknown
    try {
      parsed = JSON.parse(await readFile(path.join(this.pluginsDir, TRUST_FILE), 'utf8'))
    } catch {
      return new Map()
    }
    const plugins =
      parsed && typeof parsed === 'object' ? (parsed as { plugins?: unknown }).plugins : null
    if (!plugins || typeof plugins !== 'object') return new Map()
    return new Map(
      Object.entries(plugins as Record<string, TrustRecord>).filter(
        ([, r]) => r && typeof r.id === 'string',
      ),
    )
  }

  private async writeTrust(records: Map<string, TrustRecord>): Promise<void> {
    const file = path.join(this.pluginsDir, TRUST_FILE)
    const temp = `${file}.tmp-${process.pid}`
    await writeFile(temp, JSON.stringify({ plugins: Object.fromEntries(records) }, null, 2) + '\n')
    await rename(temp, file)
  }

  private async trust(
    entries: { folder: string; id: string; version: string; via: TrustRecord['via'] }[],
  ): Promise<void> {
    const records = await this.readTrust()
    const trustedAt = new Date().toISOString()
    for (const { folder, id, version, via } of entries)
      records.set(folder, { id, version, via, trustedAt })
    await this.writeTrust(records)
  }

  private async untrust(folder: string): Promise<void> {
    const records = await this.readTrust()
    if (records.delete(folder)) await this.writeTrust(records)
  }

  /** "Reinstall plugins": drops every user plugin and loads the folder again. */
  async reload(): Promise<{
    loaded: InstalledPlugin[]
    refused: { dir: string; message: string }[]
  }> {
    for (const id of this.loaded.keys()) this.registry.unregister(id)
    this.loaded.clear()
    return this.loadAll()
  }
}

export function pluginsDirOf(dataDir: string): string {
  return path.join(dataDir, 'plugins')
}
