/**
 * What a flow reads from its environment: the secrets (`secret@crm.apiKey`,
 * `{{ secrets.crm.apiKey }}`) and variables (`vars@apiBase`, `{{ vars.apiBase }}`) named in its
 * node configs. Bundles list the secrets a flow needs from this, `serve` refuses to start without
 * them, and the validator reports the ones the current environment does not define.
 */
import { parseRef, templateExpressions } from '../expr'
import type { Ast } from '../expr/parse'
import { parse } from '../expr/parse'
import type { PluginLookup } from '../plugin-sdk'

export interface EnvironmentRef {
  kind: 'secret' | 'var'
  name: string
  /** The secret's field (`apiKey` of `secrets.crm.apiKey`); null when the whole secret is read. */
  field: string | null
  nodeId: string
  /** JSON pointer of the config value that reads it. */
  path: string
}

const MAX_DEPTH = 20

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1')
}

/** The fixed key of `x.key` / `x['key']`, or null when computed. */
function staticKey(node: Extract<Ast, { kind: 'member' }>): string | null {
  if (!node.computed && node.property.kind === 'name') return node.property.name
  if (node.property.kind === 'literal' && typeof node.property.value === 'string')
    return node.property.value
  return null
}

/** Member chains rooted at `secrets` or `vars` in one expression; unparsable text reads nothing. */
function expressionRefs(
  source: string,
  found: (ref: Omit<EnvironmentRef, 'nodeId' | 'path'>) => void,
) {
  let ast: Ast
  try {
    ast = parse(source)
  } catch {
    return
  }
  const chain = (node: Ast): string[] | null => {
    if (node.kind === 'name') return [node.name]
    if (node.kind !== 'member') return null
    const base = chain(node.object)
    const key = staticKey(node)
    return base && key !== null ? [...base, key] : base
  }
  const visit = (node: Ast): void => {
    switch (node.kind) {
      case 'member': {
        const names = chain(node)
        if (names && (names[0] === 'secrets' || names[0] === 'vars') && names.length >= 2) {
          found({
            kind: names[0] === 'secrets' ? 'secret' : 'var',
            name: names[1]!,
            field: names[0] === 'secrets' ? (names[2] ?? null) : null,
          })
          // The inner part of the chain (`secrets.crm` of `secrets.crm.apiKey`) is the same read.
          if (node.computed) visit(node.property)
          return
        }
        visit(node.object)
        if (node.computed) visit(node.property)
        return
      }
      case 'call':
        visit(node.callee)
        node.args.forEach(visit)
        return
      case 'unary':
        return visit(node.argument)
      case 'binary':
        visit(node.left)
        return visit(node.right)
      case 'conditional':
        visit(node.test)
        visit(node.yes)
        return visit(node.no)
      case 'array':
        return node.items.forEach(visit)
      default:
        return
    }
  }
  visit(ast)
}

/** Every secret and variable the flow's node configs read, in node order. */
export function environmentRefs(flow: unknown, plugins?: PluginLookup): EnvironmentRef[] {
  const refs: EnvironmentRef[] = []
  if (!isObject(flow) || !Array.isArray(flow.nodes)) return refs
  flow.nodes.forEach((node, index) => {
    if (!isObject(node) || typeof node.id !== 'string' || !isObject(node.config)) return
    const nodeId = node.id
    const expressionFields = new Set(
      (typeof node.plugin === 'string' ? plugins?.get(node.plugin)?.expressionFields : undefined)
        ?.filter((f) => f.kind === 'expression')
        .map((f) => f.field) ?? [],
    )
    const visit = (value: unknown, path: string, depth: number, isExpression: boolean) => {
      if (depth > MAX_DEPTH) return
      const add = (ref: Omit<EnvironmentRef, 'nodeId' | 'path'>) =>
        refs.push({ ...ref, nodeId, path })
      if (typeof value === 'string') {
        if (isExpression) return expressionRefs(value, add)
        const ref = value.includes('@') ? parseRef(value) : null
        if (ref?.source === 'secret' && ref.path.length > 0)
          add({ kind: 'secret', name: ref.path[0]!, field: ref.path[1] ?? null })
        else if (ref?.source === 'vars' && ref.path.length > 0)
          add({ kind: 'var', name: ref.path[0]!, field: null })
        else if (value.includes('{{'))
          for (const part of templateExpressions(value)) expressionRefs(part.source, add)
      } else if (Array.isArray(value)) {
        value.forEach((item, i) => visit(item, `${path}/${i}`, depth + 1, false))
      } else if (isObject(value)) {
        for (const [key, child] of Object.entries(value))
          visit(
            child,
            `${path}/${escapePointer(key)}`,
            depth + 1,
            depth === 0 && expressionFields.has(key),
          )
      }
    }
    visit(node.config, `/nodes/${index}/config`, 0, false)
  })
  return refs
}

/** The secrets a flow needs, as `{ name: [fields] }` (sorted, no duplicates). */
export function secretsNeeded(
  flows: readonly unknown[],
  plugins?: PluginLookup,
): Record<string, string[]> {
  const needed = new Map<string, Set<string>>()
  for (const flow of flows)
    for (const ref of environmentRefs(flow, plugins)) {
      if (ref.kind !== 'secret') continue
      const fields = needed.get(ref.name) ?? new Set<string>()
      if (ref.field) fields.add(ref.field)
      needed.set(ref.name, fields)
    }
  return Object.fromEntries(
    [...needed.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, fields]) => [name, [...fields].sort()]),
  )
}
