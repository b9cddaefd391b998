/**
 * The execution report (design §4): the same data everywhere — UI, CLI `--json`, API. One
 * source: the zod schemas below describe what crosses a process boundary, and the types the
 * engine fills and the renderer reads are derived from them.
 */
import { z } from 'zod'

export const RunStatus = z.enum(['succeeded', 'failed', 'cancelled'])
export type RunStatus = z.infer<typeof RunStatus>
export const NodeRunStatus = z.enum(['ok', 'error', 'skipped'])
export type NodeRunStatus = z.infer<typeof NodeRunStatus>
export const EdgeStatus = z.enum(['active', 'inactive', 'unreached'])
export type EdgeStatus = z.infer<typeof EdgeStatus>
export const TraceLevel = z.enum(['full', 'summary'])
export type TraceLevel = z.infer<typeof TraceLevel>

export const LogEntry = z.object({
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  at: z.string(),
})
export type LogEntry = z.infer<typeof LogEntry>

export const NodeError = z.object({
  message: z.string(),
  code: z.string(),
  nodeId: z.string(),
  input: z.unknown().optional(),
})
export type NodeError = z.infer<typeof NodeError>

export const NodeRunRecord = z.object({
  nodeId: z.string(),
  plugin: z.string(),
  label: z.string().nullable(),
  status: NodeRunStatus,
  /** Order of execution within the run, from 1. Skipped nodes get the sequence they would have had. */
  sequence: z.number(),
  attempts: z.number(),
  startedAt: z.string().nullable(),
  durationMs: z.number(),
  /** With trace `summary` the value is left out. */
  input: z
    .object({
      port: z.string().nullable(),
      value: z.unknown().optional(),
      edgeId: z.string().nullable(),
    })
    .nullable(),
  outputs: z.array(z.object({ port: z.string(), value: z.unknown().optional() })),
  logs: z.array(LogEntry),
  error: NodeError.nullable(),
})
export type NodeRunRecord = z.infer<typeof NodeRunRecord>

/** One change to a document, RFC 6902 style with the old value kept for display. */
export const Change = z.object({
  op: z.enum(['add', 'remove', 'replace']),
  path: z.string(),
  value: z.unknown().optional(),
  oldValue: z.unknown().optional(),
})
export type Change = z.infer<typeof Change>

export const RunTrigger = z
  .object({ type: z.string(), nodeId: z.string(), plugin: z.string() })
  .catchall(z.unknown())
export type RunTrigger = z.infer<typeof RunTrigger>

export const ExecutionReport = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowVersion: z.number().nullable(),
  status: RunStatus,
  success: z.boolean(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  trigger: RunTrigger,
  trace: TraceLevel,
  state: z.object({
    event: z.unknown(),
    profile: z.unknown(),
    session: z.unknown(),
    flow: z.unknown(),
  }),
  changes: z.object({ profile: z.array(Change), session: z.array(Change), event: z.array(Change) }),
  nodes: z.array(NodeRunRecord),
  edges: z.record(z.string(), EdgeStatus),
  errors: z.array(z.object({ nodeId: z.string(), message: z.string(), code: z.string() })),
  /** The result of a child flow (`flow.end`'s `result`, else the `flow` context). */
  result: z.unknown().optional(),
})
export type ExecutionReport = z.infer<typeof ExecutionReport>

export type EngineEvent =
  | { type: 'runStarted'; runId: string; flowId: string; startedAt: string }
  | { type: 'nodeStarted'; runId: string; nodeId: string; sequence: number }
  | { type: 'nodeFinished'; runId: string; record: NodeRunRecord }
  | { type: 'runFinished'; runId: string; report: ExecutionReport }
