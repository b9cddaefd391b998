/**
 * The test case the canvas offers for a port no case reaches: it starts from a sample event (the
 * first case's, or one the trigger accepts) and expects the node to send on that port. The user
 * completes it — usually by changing the event, or mocking an upstream node — until it passes.
 */
import type { Flow, TestCase } from '../../src-shared/flow/types'
import type { FlowCoverage } from '../../src-shared/testing/coverage'

function sampleEvent(flow: Flow): Record<string, unknown> {
  const first = flow.tests?.find((c) => c.event && typeof c.event === 'object')
  if (first) return structuredClone(first.event)
  const trigger = flow.nodes.find((n) => n.plugin.startsWith('trigger.'))
  const types = (trigger?.config as { eventTypes?: unknown } | undefined)?.eventTypes
  const type = Array.isArray(types) && typeof types[0] === 'string' ? types[0] : 'manual'
  return { type, properties: {} }
}

export function caseForPort(flow: Flow, nodeId: string, port: string): TestCase {
  const taken = new Set((flow.tests ?? []).map((c) => c.name))
  let name = `Reach ${nodeId}.${port}`
  for (let n = 2; taken.has(name); n++) name = `Reach ${nodeId}.${port} (${n})`
  return {
    name,
    event: sampleEvent(flow),
    expect: { status: 'succeeded', outputs: { [nodeId]: { port } } },
  }
}

/** Per node: is it uncovered, and which of its ports are. */
export function uncoveredByNode(
  coverage: FlowCoverage,
): Map<string, { nodeUncovered: boolean; uncoveredPorts: string[] }> {
  const byNode = new Map<string, { nodeUncovered: boolean; uncoveredPorts: string[] }>()
  const entry = (id: string) => {
    let found = byNode.get(id)
    if (!found) byNode.set(id, (found = { nodeUncovered: false, uncoveredPorts: [] }))
    return found
  }
  for (const id of coverage.nodes.uncovered) entry(id).nodeUncovered = true
  for (const { nodeId, port } of coverage.ports.uncovered) entry(nodeId).uncoveredPorts.push(port)
  return byNode
}
