/** New flow documents: from a name, or from an imported file whose id may already be taken. */
import { ApiFailure } from '../src-shared/api/result'
import type { Flow } from '../src-shared/flow/types'

export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
  return /^[a-z0-9]/.test(slug) ? slug : `flow-${slug}`.replace(/-$/, '')
}

function uniqueFlowId(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`
}

export function newFlowDocument(
  input: { flow?: Flow | Record<string, unknown>; id?: string; name?: string },
  taken: Set<string>,
): Flow {
  if (input.flow) {
    const flow = structuredClone(input.flow) as unknown as Flow
    if (typeof flow.name !== 'string' || !flow.name.trim())
      flow.name = input.name ?? 'Imported flow'
    const wanted =
      input.id ?? (typeof flow.id === 'string' && flow.id ? flow.id : slugify(flow.name))
    if (input.id && taken.has(input.id))
      throw new ApiFailure('flow-exists', `A flow with id "${input.id}" already exists`)
    flow.id = uniqueFlowId(wanted, taken)
    if (flow.schemaVersion === undefined) flow.schemaVersion = 1
    if (!Array.isArray(flow.nodes)) flow.nodes = []
    if (!Array.isArray(flow.edges)) flow.edges = []
    return flow
  }
  const name = input.name?.trim() || 'Untitled flow'
  if (input.id && taken.has(input.id))
    throw new ApiFailure('flow-exists', `A flow with id "${input.id}" already exists`)
  const id = input.id ?? uniqueFlowId(slugify(name), taken)
  return {
    schemaVersion: 1,
    id,
    name,
    nodes: [
      {
        id: 'start',
        plugin: 'trigger.manual',
        label: 'Start',
        position: { x: 0, y: 0 },
        config: {},
      },
    ],
    edges: [],
  }
}
