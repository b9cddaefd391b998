/** The execution report (design §4): the same data everywhere — UI, CLI `--json`, API. */
import type { LogLevel } from '../plugin-sdk'

export type RunStatus = 'succeeded' | 'failed' | 'cancelled'
export type NodeRunStatus = 'ok' | 'error' | 'skipped'
export type EdgeStatus = 'active' | 'inactive' | 'unreached'
export type TraceLevel = 'full' | 'summary'

export interface LogEntry {
  level: LogLevel
  message: string
  at: string
}

export interface NodeError {
  message: string
  code: string
  nodeId: string
  input?: unknown
}

export interface NodeRunRecord {
  nodeId: string
  plugin: string
  label: string | null
  status: NodeRunStatus
  /** Order of execution within the run, from 1. Skipped nodes get the sequence they would have had. */
  sequence: number
  attempts: number
  startedAt: string | null
  durationMs: number
  /** With trace `summary` the value is left out. */
  input: { port: string | null; value?: unknown; edgeId: string | null } | null
  outputs: { port: string; value?: unknown }[]
  logs: LogEntry[]
  error: NodeError | null
}

/** One change to a document, RFC 6902 style with the old value kept for display. */
export interface Change {
  op: 'add' | 'remove' | 'replace'
  path: string
  value?: unknown
  oldValue?: unknown
}

export interface RunTrigger {
  type: string
  nodeId: string
  plugin: string
  [detail: string]: unknown
}

export interface ExecutionReport {
  runId: string
  flowId: string
  flowVersion: number | null
  status: RunStatus
  success: boolean
  startedAt: string
  finishedAt: string
  durationMs: number
  trigger: RunTrigger
  trace: TraceLevel
  state: { event: unknown; profile: unknown; session: unknown; flow: unknown }
  changes: { profile: Change[]; session: Change[]; event: Change[] }
  nodes: NodeRunRecord[]
  edges: Record<string, EdgeStatus>
  errors: { nodeId: string; message: string; code: string }[]
  /** The result of a child flow (`flow.end`'s `result`, else the `flow` context). */
  result?: unknown
}

export type EngineEvent =
  | { type: 'runStarted'; runId: string; flowId: string; startedAt: string }
  | { type: 'nodeStarted'; runId: string; nodeId: string; sequence: number }
  | { type: 'nodeFinished'; runId: string; record: NodeRunRecord }
  | { type: 'runFinished'; runId: string; report: ExecutionReport }
