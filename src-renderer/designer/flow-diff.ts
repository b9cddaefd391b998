/** What differs between the draft and production: nodes added, removed and changed (and edges). */
import type { Flow } from '../../src-shared/flow/types'

export interface FlowDiff {
  added: string[]
  removed: string[]
  changed: string[]
  edgesAdded: number
  edgesRemoved: number
  settingsChanged: boolean
}

const stable = (value: unknown) =>
  JSON.stringify(value, (_k, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  )

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
    `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`
  const beforeEdges = new Set((production?.edges ?? []).map(edgeKey))
  const afterEdges = new Set(draft.edges.map(edgeKey))
  return {
    added,
    removed,
    changed,
    edgesAdded: [...afterEdges].filter((k) => !beforeEdges.has(k)).length,
    edgesRemoved: [...beforeEdges].filter((k) => !afterEdges.has(k)).length,
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
