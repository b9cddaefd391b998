/**
 * What a flow.if or flow.switch decided in a run, in words: the condition's result, or the
 * switch's value and the case it matched. The port taken comes from the report; the switch's
 * value is recomputed here from the node's config and its recorded input, against the run's
 * final state (the engine does not record intermediate state), with secrets masked.
 */
import type { ExecutionReport, NodeRunRecord } from '../../src-shared/engine/report'
import { compileExpression } from '../../src-shared/expr'
import type { FlowNode } from '../../src-shared/flow/types'
import { scopeOf } from '../inspector/preview'

export interface BranchDecision {
  /** The condition or value expression, as configured. */
  expression: string
  text: string
  /** For the timeline row: the branch taken. */
  short: string
}

function valueOf(
  source: string,
  record: NodeRunRecord,
  report: ExecutionReport,
): { ok: true; value: unknown } | { ok: false } {
  try {
    const scope = {
      ...scopeOf({
        label: 'the run',
        event: report.state.event as Record<string, unknown>,
        profile: report.state.profile as Record<string, unknown>,
        session: report.state.session as Record<string, unknown>,
      }),
      flow: report.state.flow,
      payload: record.input?.value ?? null,
    }
    return { ok: true, value: compileExpression(source)(scope) }
  } catch {
    return { ok: false }
  }
}

export function branchDecision(
  record: NodeRunRecord,
  node: FlowNode | undefined,
  report: ExecutionReport,
): BranchDecision | null {
  if (record.status !== 'ok' || !node) return null
  const port = record.outputs[0]?.port
  if (!port) return null
  if (record.plugin === 'flow.if' && typeof node.config.condition === 'string') {
    // The port is the condition's result: flow.if sends to `true` or `false`.
    return { expression: node.config.condition, text: `condition → ${port}`, short: `→ ${port}` }
  }
  if (record.plugin === 'flow.switch' && typeof node.config.value === 'string') {
    const computed = valueOf(node.config.value, record, report)
    const value = computed.ok ? JSON.stringify(computed.value ?? null) : '?'
    return {
      expression: node.config.value,
      text: `value → ${value} → ${port === 'default' ? 'no case matched: default' : `case ${port}`}`,
      short: `→ ${port === 'default' ? 'default' : `case ${port}`}`,
    }
  }
  return null
}
