/**
 * Test cases (design §7): run a flow against a sample event with mocks, then check the report
 * against the case's expectations. Every unmet expectation says what was expected and what the
 * run did, so an analyst can fix the flow without reading logs.
 */
import { readPath } from '../../src-shared/expr'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { TestCase, TestExpectations } from '../../src-shared/flow/types'
import { jsonEqual } from '../../src-shared/expr/values'

export interface UnmetExpectation {
  kind: 'status' | 'reached' | 'notReached' | 'profile' | 'session' | 'event' | 'flow' | 'output'
  /** What the expectation is about: a node id or a path like `profile.traits.vip`. */
  target: string
  expected: unknown
  actual: unknown
  message: string
}

export interface CaseResult {
  name: string
  index: number
  passed: boolean
  durationMs: number
  unmet: UnmetExpectation[]
  /** The run itself, to paint on the canvas and inspect. */
  report: ExecutionReport | null
  /** Set when the case could not run at all (bad event, invalid flow). */
  error?: string
}

function ran(report: ExecutionReport, nodeId: string): boolean {
  return report.nodes.some((n) => n.nodeId === nodeId && n.status !== 'skipped')
}

function show(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value)
}

export function checkExpectations(
  expect: TestExpectations | undefined,
  report: ExecutionReport,
): UnmetExpectation[] {
  const unmet: UnmetExpectation[] = []
  const expected = expect ?? {}
  const status = expected.status ?? 'succeeded'
  if (report.status !== status) {
    const why = report.errors
      .map((e) => (e.nodeId ? `${e.nodeId}: ${e.message}` : e.message))
      .join('; ')
    unmet.push({
      kind: 'status',
      target: 'run',
      expected: status,
      actual: report.status,
      message: `The run ${report.status}${why ? ` (${why})` : ''}; expected it to be ${status}`,
    })
  }
  for (const nodeId of expected.reached ?? []) {
    if (!ran(report, nodeId)) {
      const record = report.nodes.find((n) => n.nodeId === nodeId)
      const actual = record ? record.status : 'not reached'
      unmet.push({
        kind: 'reached',
        target: nodeId,
        expected: 'reached',
        actual,
        message: `Node "${nodeId}" should run, but it was ${record ? 'skipped (no input reached it)' : 'never reached'}`,
      })
    }
  }
  for (const nodeId of expected.notReached ?? []) {
    if (ran(report, nodeId)) {
      unmet.push({
        kind: 'notReached',
        target: nodeId,
        expected: 'not reached',
        actual: 'reached',
        message: `Node "${nodeId}" should not run, but it did`,
      })
    }
  }
  const states = report.state as Record<'profile' | 'session' | 'event' | 'flow', unknown>
  for (const kind of ['profile', 'session', 'event', 'flow'] as const) {
    for (const [path, value] of Object.entries(expected[kind] ?? {})) {
      const actual = readPath(states[kind], path.split('.').filter(Boolean))
      if (!jsonEqual(actual, value)) {
        unmet.push({
          kind,
          target: `${kind}.${path}`,
          expected: value,
          actual,
          message: `${kind}.${path} should be ${show(value)}, but it is ${show(actual)}`,
        })
      }
    }
  }
  for (const [nodeId, output] of Object.entries(expected.outputs ?? {})) {
    const records = report.nodes.filter((n) => n.nodeId === nodeId)
    const sent = records.flatMap((r) => r.outputs.filter((o) => o.port === output.port))
    if (sent.length === 0) {
      const ports = [...new Set(records.flatMap((r) => r.outputs.map((o) => o.port)))]
      unmet.push({
        kind: 'output',
        target: `${nodeId}.${output.port}`,
        expected: output.value ?? `a value on "${output.port}"`,
        actual: ports.length ? `values on ${ports.join(', ')}` : 'no output',
        message: `Node "${nodeId}" should send on "${output.port}", but it sent ${ports.length ? `on ${ports.join(', ')}` : 'nothing'}`,
      })
    } else if ('value' in output && !sent.some((o) => jsonEqual(o.value, output.value))) {
      const actual = sent[sent.length - 1]!.value
      unmet.push({
        kind: 'output',
        target: `${nodeId}.${output.port}`,
        expected: output.value,
        actual,
        message: `Node "${nodeId}" sent ${show(actual)} on "${output.port}"; expected ${show(output.value)}`,
      })
    }
  }
  return unmet
}

export type { TestCase }
