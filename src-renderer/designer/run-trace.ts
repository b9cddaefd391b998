/**
 * What the designer does with a run, as plain functions: paint it on the canvas, turn it into a
 * test case, pin a node's output as a case's mock, pick the event the Run button uses, and list
 * the events the inspector previews against.
 */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { TestCase } from '../../src-shared/flow/types'
import type { PreviewSample } from '../inspector/preview'
import type { SampleRun } from '../testbench/last-event'
import type { RunWith } from '../testbench/RunWithDialog'
import type { RunOverlay } from './Canvas'

/** What a run looks like on the canvas: each node's status and order, each edge's state. */
export function overlayOf(report: ExecutionReport): RunOverlay {
  const nodes: RunOverlay['nodes'] = {}
  for (const record of report.nodes) {
    const current = nodes[record.nodeId]
    if (record.status === 'skipped') {
      if (!current) nodes[record.nodeId] = { status: 'skipped', order: null }
      continue
    }
    if (!current || current.status === 'skipped')
      nodes[record.nodeId] = { status: record.status, order: record.sequence }
    else if (record.status === 'error') current.status = 'error'
  }
  return { nodes, edges: report.edges }
}

/** The last output a node sent in a run (what "Pin output" pins), if it sent any. */
export function lastOutputOf(
  report: ExecutionReport,
  nodeId: string,
): { port: string; value: unknown } | undefined {
  const output = report.nodes
    .findLast((n) => n.nodeId === nodeId && n.outputs.length > 0)
    ?.outputs.at(-1)
  return output ? { port: output.port, value: output.value } : undefined
}

/** A new test case from a run: its event, expecting the status it ended with and the nodes it reached. */
export function caseFromReport(report: ExecutionReport, name: string): TestCase {
  const entry = report.nodes.find((n) => n.nodeId === report.trigger.nodeId)
  const event = (entry?.input?.value ?? report.state.event) as Record<string, unknown>
  const reached = [
    ...new Set(report.nodes.filter((n) => n.status !== 'skipped').map((n) => n.nodeId)),
  ]
  return { name, event, expect: { status: report.status, reached } }
}

/**
 * The cases with a node's output pinned as a mock of case `index` (a first case is made when
 * there is none), and the name of the case that now mocks it.
 */
export function withMock(
  tests: TestCase[],
  index: number,
  nodeId: string,
  output: { port: string; value: unknown },
): { tests: TestCase[]; caseName: string } {
  const next = [...tests]
  const target = next[index] ?? {
    name: 'Case 1',
    event: {},
    expect: { status: 'succeeded' as const },
  }
  next[index] = {
    ...target,
    mocks: { ...target.mocks, [nodeId]: { port: output.port, value: output.value } },
  }
  return { tests: next, caseName: next[index]!.name }
}

/** What the Run button runs: the first test case's event, starting profile and mocks, or an empty event. */
export function firstCaseRun(tests: TestCase[] | undefined): RunWith {
  const first = tests?.[0]
  return {
    event: first?.event ?? {},
    ...(first?.profile ? { profile: first.profile } : {}),
    ...(first?.mocks ? { mocks: first.mocks } : {}),
    title: first ? `Run with “${first.name}”` : 'Run with an empty event',
  }
}

/** What the inspector can preview expressions against: each test case's event, then the last event used. */
export function previewSamples(tests: TestCase[], last: SampleRun | null): PreviewSample[] {
  const samples: PreviewSample[] = tests.map((t, i) => ({
    label: `the event of “${t.name || `Case ${i + 1}`}”`,
    event: t.event,
    ...(t.profile ? { profile: t.profile } : {}),
    ...(t.session ? { session: t.session } : {}),
  }))
  if (last) samples.push({ label: 'the last event used', ...last })
  // Labels pick the sample in the inspector, so two cases with one name keep the first.
  return samples.filter((s, i) => samples.findIndex((o) => o.label === s.label) === i)
}
