/** Decisions about a flow document the user opens (a file, an example), as plain functions. */
import type { FlowSummary } from '../../src-shared/api/contract'
import { distinctName } from './samples'

/** The flow of the user's whose id the document takes, if any (a flow in the trash does not count). */
export function conflictingFlow(
  flows: FlowSummary[],
  document: Record<string, unknown>,
): FlowSummary | null {
  return flows.find((f) => f.id === document.id && !f.deletedAt) ?? null
}

/** The document under a name no flow has yet: its own, or `… (copy)`. */
export function asDistinctCopy(
  document: Record<string, unknown>,
  flows: FlowSummary[],
): Record<string, unknown> {
  const name =
    typeof document.name === 'string' && document.name.trim() ? document.name : 'Imported flow'
  return { ...document, name: distinctName(name, new Set(flows.map((f) => f.name))) }
}
