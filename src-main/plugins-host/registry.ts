/**
 * The plugin registry: built-ins from plugins/, later user plugins from the data directory.
 * A definition is checked before it is accepted; a bad one is refused with a message that
 * names the plugin and the cause, and the rest keep working.
 */
import { builtinPlugins } from '../../plugins'
import type { PluginDefinition, PluginMeta } from '../../src-shared/plugin-sdk'
import type { PluginSource } from '../engine/load'
import { linearSchema } from '../../src-shared/flow/linear-patterns'

export type PluginOrigin = 'builtin' | 'user'

export class PluginRefusedError extends Error {
  constructor(
    readonly pluginId: string,
    message: string,
  ) {
    super(message)
    this.name = 'PluginRefusedError'
  }
}

const ID_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/
const PORT_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/

/** Everything wrong with a plugin definition, as sentences. Empty when it is valid. */
export function checkPluginDefinition(candidate: unknown): string[] {
  if (!candidate || typeof candidate !== 'object')
    return ['the module does not export a plugin definition (use definePlugin)']
  const def = candidate as Partial<Record<keyof PluginDefinition, unknown>>
  const problems: string[] = []
  if (typeof def.id !== 'string' || !ID_PATTERN.test(def.id))
    problems.push(`"id" must look like "group.name" (got ${JSON.stringify(def.id)})`)
  if (typeof def.version !== 'string' || !VERSION_PATTERN.test(def.version))
    problems.push(
      `"version" must be a semantic version like 1.0.0 (got ${JSON.stringify(def.version)})`,
    )
  for (const key of ['name', 'description', 'group'] as const) {
    if (typeof def[key] !== 'string' || !(def[key] as string).trim())
      problems.push(`"${key}" must be non-empty text`)
  }
  for (const key of ['inputs', 'outputs'] as const) {
    const ports = def[key]
    if (!Array.isArray(ports) || ports.some((p) => typeof p !== 'string' || !PORT_PATTERN.test(p)))
      problems.push(`"${key}" must be a list of port names`)
    else if (ports.includes('error'))
      problems.push(`"${key}" must not name the implicit "error" port`)
  }
  if (
    !def.configSchema ||
    (typeof def.configSchema !== 'object' && typeof def.configSchema !== 'boolean')
  )
    problems.push('"configSchema" must be a JSON Schema')
  else {
    try {
      linearSchema(def.configSchema)
    } catch (error) {
      problems.push(`"configSchema": ${(error as Error).message}`)
    }
  }
  if (!def.defaultConfig || typeof def.defaultConfig !== 'object')
    problems.push('"defaultConfig" must be an object')
  const docs = def.docs as { markdown?: unknown } | undefined
  if (!docs || typeof docs.markdown !== 'string') problems.push('"docs.markdown" must be text')
  if (!def.testTemplate || typeof def.testTemplate !== 'object')
    problems.push('"testTemplate" must be an object')
  if (typeof def.create !== 'function')
    problems.push('"create" must be a function returning { setUp?, run, close? }')
  return problems
}

export class PluginRegistry implements PluginSource {
  private readonly plugins = new Map<
    string,
    { definition: PluginDefinition; origin: PluginOrigin; module?: string }
  >()

  static withBuiltins(): PluginRegistry {
    const registry = new PluginRegistry()
    for (const definition of builtinPlugins) registry.register(definition, 'builtin')
    return registry
  }

  /**
   * `module`: the URL of the ES module the definition came from, so another thread (serve's flow
   * threads) can load the same plugin; a plugin registered without one runs only where it was
   * registered.
   */
  register(candidate: unknown, origin: PluginOrigin, module?: string): PluginDefinition {
    const id =
      candidate &&
      typeof candidate === 'object' &&
      typeof (candidate as { id?: unknown }).id === 'string'
        ? (candidate as { id: string }).id
        : '(no id)'
    const problems = checkPluginDefinition(candidate)
    if (problems.length > 0)
      throw new PluginRefusedError(id, `Plugin ${id} is invalid: ${problems.join('; ')}`)
    // Only built-ins may share one action between runs: a user plugin keeps the per-run lifecycle.
    const given = candidate as PluginDefinition
    const definition = origin === 'user' && given.reusable ? { ...given, reusable: false } : given
    const existing = this.plugins.get(definition.id)
    if (existing) {
      throw new PluginRefusedError(
        definition.id,
        `Plugin ${definition.id}@${definition.version} collides with the ${existing.origin === 'builtin' ? 'built-in' : 'installed'} plugin ${definition.id}@${existing.definition.version}`,
      )
    }
    this.plugins.set(definition.id, { definition, origin, module })
    return definition
  }

  unregister(id: string): boolean {
    const entry = this.plugins.get(id)
    if (!entry || entry.origin === 'builtin') return false
    return this.plugins.delete(id)
  }

  get(id: string): PluginDefinition | undefined {
    return this.plugins.get(id)?.definition
  }

  originOf(id: string): PluginOrigin | undefined {
    return this.plugins.get(id)?.origin
  }

  /** The module a user plugin was loaded from, when it came from one. */
  moduleOf(id: string): string | undefined {
    return this.plugins.get(id)?.module
  }

  list(): PluginDefinition[] {
    return [...this.plugins.values()].map((entry) => entry.definition)
  }

  /** Metadata without code, for the renderer and `plugins list --json`. */
  describe(): (PluginMeta & { origin: PluginOrigin })[] {
    return [...this.plugins.values()].map(({ definition, origin }) => {
      const { create: _create, reusable: _reusable, ...meta } = definition
      return { ...meta, origin }
    })
  }

  get size(): number {
    return this.plugins.size
  }
}
