/** The `*.flow.json` format (design §2), as TypeScript types. The JSON Schema in `schema.ts` is the source of truth for validation. */

export interface Position {
  x: number
  y: number
}

export interface RetryPolicy {
  maxAttempts: number
  backoffMs?: number
}

export type JoinMode = 'each' | 'all'

export interface FlowNode {
  id: string
  plugin: string
  position: Position
  config: Record<string, unknown>
  label?: string
  disabled?: boolean
  join?: JoinMode
  retry?: RetryPolicy
  timeoutMs?: number
  notes?: string
}

export interface FlowEdge {
  id: string
  source: string
  sourcePort: string
  target: string
  targetPort: string
}

export interface MockOutput {
  port: string
  value: unknown
}

export interface TestExpectations {
  status?: 'succeeded' | 'failed' | 'cancelled'
  reached?: string[]
  notReached?: string[]
  profile?: Record<string, unknown>
  session?: Record<string, unknown>
  event?: Record<string, unknown>
  flow?: Record<string, unknown>
  outputs?: Record<string, { port: string; value?: unknown }>
}

export interface TestCase {
  name: string
  event: Record<string, unknown>
  profile?: Record<string, unknown>
  session?: Record<string, unknown>
  /** Fake secret values for this case (name → field → value), laid over the environment's. */
  secrets?: Record<string, Record<string, string>>
  /** Variables for this case, laid over the environment's. */
  vars?: Record<string, unknown>
  mocks?: Record<string, MockOutput>
  expect?: TestExpectations
}

export interface Flow {
  schemaVersion: 1
  id: string
  name: string
  description?: string
  tags?: string[]
  metadata?: Record<string, unknown>
  nodes: FlowNode[]
  edges: FlowEdge[]
  tests?: TestCase[]
}

export type ProblemSeverity = 'error' | 'warning'

export type ProblemCode =
  | 'invalid-json'
  | 'invalid-flow'
  | 'unknown-field'
  | 'multiple-entrypoints'
  | 'no-entrypoint'
  | 'unknown-plugin'
  | 'dangling-edge'
  | 'unknown-port'
  | 'cycle'
  | 'invalid-config'
  | 'invalid-expression'
  | 'duplicate-id'
  | 'unreachable-node'
  | 'unknown-secret'
  | 'unknown-variable'

export interface Problem {
  code: ProblemCode
  severity: ProblemSeverity
  message: string
  nodeId?: string
  edgeId?: string
  /** JSON pointer into the flow document, e.g. `/nodes/3/config/condition`. */
  path?: string
}
