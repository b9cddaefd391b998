/**
 * What differs between two versions of a flow (production or any revision, and the draft): nodes
 * added, removed and changed (and in what), connections, and flow-level settings.
 */
import type { Flow } from '../../src-shared/flow/types'

export interface FlowDiff {
  added: string[]
  removed: string[]
  changed: string[]
  edgesAdded: number
  edgesRemoved: number
  settingsChanged: boolean
  /** The connections added and removed, as `source.port → target.port`. */
  edges: { added: string[]; removed: string[] }
  /** For each changed node, what changed in it: `label`, `config.condition`, `retry`, … */
  nodeFields: Record<string, string[]>
}

const stable = (value: unknown) =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )

/** The top-level fields of a node (and the keys of its config) that differ between a and b. */
function changedFields(a: object, b: object): string[] {
  const fields: string[] = []
  const was = new Map(Object.entries(a))
  const is = new Map(Object.entries(b))
  for (const key of new Set([...was.keys(), ...is.keys()])) {
    const before = was.get(key)
    const after = is.get(key)
    if (key === 'position' || stable(before) === stable(after)) continue
    if (key === 'config' && isObject(before) && isObject(after)) {
      for (const field of new Set([...Object.keys(before), ...Object.keys(after)]))
        if (stable(before[field]) !== stable(after[field])) fields.push(`config.${field}`)
    } else fields.push(key)
  }
  return fields
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

export function diffFlows(production: Flow | null, draft: Flow): FlowDiff {
  const before = new Map((production?.nodes ?? []).map((n) => [n.id, n]))
  const after = new Map(draft.nodes.map((n) => [n.id, n]))
  const added = [...after.keys()].filter((id) => !before.has(id))
  const removed = [...before.keys()].filter((id) => !after.has(id))
  const changed = [...after.keys()].filter((id) => {
    const a = before.get(id)
    const b = after.get(id)!
    if (!a) return false
    // Moving a node is not a change worth deploying for; everything else is.
    return stable({ ...a, position: null }) !== stable({ ...b, position: null })
  })
  const edgeKey = (e: Flow['edges'][number]) =>
    `${e.source}.${e.sourcePort} → ${e.target}.${e.targetPort}`
  const beforeEdges = new Set((production?.edges ?? []).map(edgeKey))
  const afterEdges = new Set(draft.edges.map(edgeKey))
  const edgesAdded = [...afterEdges].filter((k) => !beforeEdges.has(k))
  const edgesRemoved = [...beforeEdges].filter((k) => !afterEdges.has(k))
  return {
    added,
    removed,
    changed,
    edgesAdded: edgesAdded.length,
    edgesRemoved: edgesRemoved.length,
    edges: { added: edgesAdded, removed: edgesRemoved },
    nodeFields: Object.fromEntries(
      changed.map((id) => [id, changedFields(before.get(id)!, after.get(id)!)]),
    ),
    settingsChanged:
      !!production &&
      stable({ ...production, nodes: [], edges: [], tests: [] }) !==
        stable({ ...draft, nodes: [], edges: [], tests: [] }),
  }
}

export function isEmptyDiff(diff: FlowDiff): boolean {
  return (
    diff.added.length +
      diff.removed.length +
      diff.changed.length +
      diff.edgesAdded +
      diff.edgesRemoved ===
      0 && !diff.settingsChanged
  )
}
