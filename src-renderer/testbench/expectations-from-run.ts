/**
 * "Take expectations from this run": what a case should expect so that it passes as this run did —
 * its status, the nodes it reached, and the profile values it changed. For cases made from
 * imported events, which start out expecting only success.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { TestExpectations } from '../../src-shared/flow/types'

/** Profile fields every run touches: expecting them would make the case fail on the next run. */
const VOLATILE = new Set(['id', 'createdAt', 'updatedAt'])

function readPointer(value: unknown, pointer: string): unknown {
  let current = value
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/**
 * `event` is the case's own event: values the run generated for it (an id, the time) differ on
 * every run, so profile values copied from them are not expected.
 */
export function expectationsFromRun(
  report: ExecutionReport,
  event: Record<string, unknown> = {},
): TestExpectations {
  const ran = (report.state.event ?? {}) as Record<string, unknown>
  const generated = new Set(
    ['id', 'time'].filter((key) => !(key in event) && ran[key] !== undefined).map((k) => ran[k]),
  )
  const reached = [
    ...new Set(report.nodes.filter((n) => n.status !== 'skipped').map((n) => n.nodeId)),
  ]
  const profile: Record<string, unknown> = {}
  for (const change of report.changes.profile) {
    const keys = change.path.split('/').slice(1)
    // A removed value cannot be expected: expectations compare values, and absence has none.
    if (change.op === 'remove' || keys.length === 0 || VOLATILE.has(keys[0]!)) continue
    // Expectation paths are dotted; a key with a dot in it cannot be written as one.
    if (keys.some((k) => k.includes('.'))) continue
    const path = keys.map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
    const value = readPointer(report.state.profile, change.path)
    if (generated.has(value)) continue
    profile[path] = value
  }
  return {
    status: report.status,
    reached,
    ...(Object.keys(profile).length ? { profile } : {}),
  }
}
