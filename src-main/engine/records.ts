/** Node run records (n8n's ITaskData) and the clock they read. */
import type { LogEntry, NodeRunRecord } from '../../src-shared/engine/report'
import type { PlanNode } from './plan'

/**
 * The outputs and logs of a record that has none yet: one frozen list shared by all of them, so
 * a record costs no empty lists of its own. The first output or log replaces it (addLog, and
 * FlowRun.deliver); frozen, so a push that forgot to fails loudly instead of filling it for all.
 */
const NONE = Object.freeze([]) as unknown as never[]

export function addLog(record: NodeRunRecord, entry: LogEntry): void {
  if (record.logs === NONE) record.logs = [entry]
  else record.logs.push(entry)
}

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

let epochOffset = 0
let offsetTakenAt = Number.NEGATIVE_INFINITY

/**
 * The epoch time (ms) at `t`, a performance.now() reading: a run reads one clock at its start,
 * not two. The wall clock is read again once `t` is a second past the last reading, so a change
 * of the system time shows within a second.
 */
export function epochAt(t: number): number {
  if (t - offsetTakenAt > 1000) {
    epochOffset = Date.now() - t
    offsetTakenAt = t
  }
  return epochOffset + t
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
    outputs: NONE,
    logs: NONE,
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
    outputs: NONE,
    logs: NONE,
    error: null,
  }
}
