/** Node run records (n8n's ITaskData) and the clock they read. */
import type { NodeRunRecord } from '../../src-shared/engine/report'
import type { PlanNode } from './plan'

let lastIsoMs = -1
let lastIso = ''
/** ISO text of an epoch time in ms; thousands of nodes start within one millisecond, so the text is reused. */
export function isoAt(epochMs: number): string {
  const ms = Math.floor(epochMs)
  if (ms !== lastIsoMs) {
    lastIsoMs = ms
    lastIso = new Date(ms).toISOString()
  }
  return lastIso
}

export function isoNow(): string {
  return isoAt(Date.now())
}

export function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

export function nodeRecord(
  node: PlanNode,
  sequence: number,
  startedAt: string,
  input: NodeRunRecord['input'],
): NodeRunRecord {
  return {
    nodeId: node.id,
    plugin: node.pluginId,
    label: node.label,
    status: 'ok',
    sequence,
    attempts: 0,
    startedAt,
    durationMs: 0,
    input,
    outputs: [],
    logs: [],
    error: null,
  }
}

export function skippedRecord(node: PlanNode, sequence: number): NodeRunRecord {
  return {
    nodeId: node.id,
    plugin: node.pluginId,
    label: node.label,
    status: 'skipped',
    sequence,
    attempts: 0,
    startedAt: null,
    durationMs: 0,
    input: null,
    outputs: [],
    logs: [],
    error: null,
  }
}
