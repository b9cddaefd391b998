/**
 * Pinned outputs (n8n's pinned data): a node's output from a run, kept so designer runs use it
 * instead of running the node. Pins live in the draft's `metadata.pinnedOutputs`: they are saved,
 * undone and redone with the flow and travel in its file, and the engine never reads metadata, so
 * tests and production runs are unaffected; only the designer sends them (as `flows.run`'s
 * `pinned`). A per-browser store would lose them with the profile and differ between machines.
 */
import type { Flow, MockOutput } from '../../src-shared/flow/types'

const KEY = 'pinnedOutputs'

function isPin(value: unknown): value is MockOutput {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { port?: unknown }).port === 'string'
  )
}

/** The node's pin, if it has one (the same object until it changes). */
export function pinOf(flow: Flow | null, nodeId: string): MockOutput | undefined {
  const pins = flow?.metadata?.[KEY]
  if (!pins || typeof pins !== 'object') return undefined
  const pin = (pins as Record<string, unknown>)[nodeId]
  return isPin(pin) ? pin : undefined
}

/** The pins of nodes the flow still has, as `flows.run` takes them; undefined when there are none. */
export function pinsOf(flow: Flow): Record<string, MockOutput> | undefined {
  const pins: Record<string, MockOutput> = {}
  for (const node of flow.nodes) {
    const pin = pinOf(flow, node.id)
    if (pin) pins[node.id] = { port: pin.port, value: pin.value }
  }
  return Object.keys(pins).length ? pins : undefined
}

/** The flow with the node's output pinned, or its pin removed (`null`). */
export function withPin(flow: Flow, nodeId: string, pin: MockOutput | null): Flow {
  const current = flow.metadata?.[KEY]
  const pins = { ...(current && typeof current === 'object' ? current : {}) } as Record<
    string,
    unknown
  >
  if (pin) pins[nodeId] = { port: pin.port, value: pin.value }
  else delete pins[nodeId]
  const metadata = { ...flow.metadata }
  if (Object.keys(pins).length) metadata[KEY] = pins
  else delete metadata[KEY]
  const next: Flow = { ...flow, metadata }
  if (Object.keys(metadata).length === 0) delete next.metadata
  return next
}
