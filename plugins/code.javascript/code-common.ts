/**
 * What code.javascript and code.python share: config, errors, and the way state crosses the
 * sandbox boundary. State goes in and comes out as JSON text only, so nothing with a host
 * prototype or a getter ever reaches user code, and nothing the code builds (prototypes,
 * accessors, functions) comes back.
 */
import type { FormGroup, JsonSchema, PluginContext, PortResult } from '../../src-shared/plugin-sdk'
import { STATE_NAMES } from '../../src-shared/expr'

export interface CodeConfig {
  code: string
  timeoutMs?: number
  memoryMb?: number
  ports?: { port: string }[]
}

export const DEFAULT_TIMEOUT_MS = 1000
export const DEFAULT_MEMORY_MB = 64
/** Logs one call may write; a runaway loop of console.log must not flood the report. */
export const MAX_LOGS_PER_CALL = 200
export const MAX_LOG_CHARS = 4000

/** A node error with a stable code; the engine reads `code` from any error. */
export class CodeFailure extends Error {
  constructor(
    readonly code:
      'code-error' | 'timeout' | 'memory-limit' | 'unknown-port' | 'invalid-result' | 'sandbox',
    message: string,
  ) {
    super(message)
    this.name = 'CodeFailure'
  }
}

export function codeConfigSchema(language: 'JavaScript' | 'Python'): JsonSchema {
  return {
    type: 'object',
    properties: {
      code: {
        type: 'string',
        title: 'Code',
        minLength: 1,
        description: `A ${language} function body; its return value is sent on "payload"`,
      },
      timeoutMs: {
        type: 'integer',
        title: 'Time limit (ms)',
        minimum: 1,
        maximum: 60000,
        default: DEFAULT_TIMEOUT_MS,
      },
      memoryMb: {
        type: 'integer',
        title: 'Memory limit (MB)',
        minimum: 8,
        maximum: 1024,
        default: DEFAULT_MEMORY_MB,
      },
      ports: {
        type: 'array',
        title: 'Extra output ports',
        description: 'Ports the code may send to with emit(port, value)',
        items: {
          type: 'object',
          properties: {
            port: {
              type: 'string',
              title: 'Port',
              pattern: '^[A-Za-z_][A-Za-z0-9_-]*$',
              not: { enum: ['payload', 'error'] },
            },
          },
          required: ['port'],
          additionalProperties: false,
        },
      },
    },
    required: ['code'],
    additionalProperties: false,
  }
}

export function codeForm(language: 'javascript' | 'python'): FormGroup[] {
  return [
    { title: 'Code', fields: [{ field: 'code', widget: 'code', language }] },
    {
      title: 'Limits',
      fields: [
        { field: 'timeoutMs', widget: 'number' },
        { field: 'memoryMb', widget: 'number' },
      ],
    },
    {
      title: 'Ports',
      fields: [
        { field: 'ports', widget: 'list', help: 'Extra output ports for emit(port, value)' },
      ],
    },
  ]
}

/** The ports `emit` may use: `payload` plus the configured ones (never the implicit `error`). */
export function emitPorts(config: CodeConfig): string[] {
  const ports = ['payload']
  for (const entry of config.ports ?? [])
    if (entry.port && !ports.includes(entry.port) && entry.port !== 'error') ports.push(entry.port)
  return ports
}

export function limitsOf(config: CodeConfig): { timeoutMs: number; memoryMb: number } {
  return {
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    memoryMb: config.memoryMb ?? DEFAULT_MEMORY_MB,
  }
}

/** Names the code sees, in the order the sandboxes receive them: the same state expressions read. */
export const STATE_PARTS = STATE_NAMES
/** The parts whose changes carry back into the run. */
export const MUTABLE_PARTS = ['event', 'profile', 'session', 'flow', 'node'] as const
export type MutablePart = (typeof MUTABLE_PARTS)[number]

function toJson(value: unknown, what: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw new CodeFailure(
      'code-error',
      `The ${what} cannot be passed to the code: ${(error as Error).message}`,
    )
  }
  return text ?? 'null'
}

/**
 * Which state parts the code can see: those it names. Parsing and re-serialising the rest would
 * cost most of a small call, and handing out profile or session makes the engine copy and diff
 * them. Code that can reach variables by a computed name (direct eval, `arguments`, Python's
 * `locals()`) gets everything.
 */
export function usedParts(code: string, dynamicAccess: RegExp): boolean[] {
  if (dynamicAccess.test(code)) return STATE_PARTS.map(() => true)
  return STATE_PARTS.map((name) => new RegExp(`\\b${name}\\b`).test(code))
}

function part(used: boolean, value: () => unknown, what: string): string {
  return used ? toJson(value(), what) : ''
}

/**
 * The state as JSON, one part per line in STATE_PARTS order; a part the code does not use is
 * an empty line. JSON text never holds a raw newline, so the sandbox splits on it and compares
 * each part it gets back with what it sent, to report only what the code changed.
 */
export function stateInput(ctx: PluginContext, payload: unknown, used: boolean[]): string {
  return [
    part(used[0]!, () => ctx.state.event, 'event'),
    part(used[1]!, () => ctx.state.profile, 'profile'),
    part(used[2]!, () => ctx.state.session, 'session'),
    part(used[3]!, () => ctx.state.flow, 'flow context'),
    part(used[4]!, () => ctx.node, 'node context'),
    part(used[5]!, () => ctx.state.nodes, 'node outputs'),
    part(used[6]!, () => payload, 'payload'),
  ].join('\n')
}

function dropProto(key: string, value: unknown): unknown {
  return key === '__proto__' ? undefined : value
}

/**
 * Parses what a sandbox sent back. A `"__proto__"` key from JSON is an own property, harmless
 * until someone copies it with assignment; such keys are dropped so they never reach the run.
 */
export function parseSandboxJson(text: string): unknown {
  return text.includes('"__proto__"') ? JSON.parse(text, dropProto) : JSON.parse(text)
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

/**
 * Copies the code's version of a state object into the run's object in place: the engine and
 * other nodes hold references to these objects, so they are never replaced. Ids stay as they were.
 */
export function replaceContents(
  target: Record<string, unknown>,
  source: unknown,
  part: MutablePart,
): void {
  if (!isPlainObject(source))
    throw new CodeFailure(
      'invalid-result',
      `The code turned ${part} into something that is not an object`,
    )
  const hasId = part === 'event' || part === 'profile' || part === 'session'
  const id = target.id
  for (const key of Object.keys(target)) delete target[key]
  for (const key of Object.keys(source)) target[key] = source[key]
  if (hasId) target.id = id
}

/** The sandbox's answer for one call, after JSON parsing. */
export interface CallOutcome {
  /** The return value; absent when the code returned nothing (undefined / None). */
  r?: unknown
  /** emit() calls in order: [port, value]. */
  e?: [string, unknown][]
  /** Changed state parts only. */
  c?: Partial<Record<MutablePart, unknown>>
}

export function applyOutcome(outcome: CallOutcome, ctx: PluginContext): PortResult[] {
  const changes = outcome.c
  if (changes) {
    for (const part of MUTABLE_PARTS) {
      if (!Object.hasOwn(changes, part)) continue
      const target = part === 'node' ? ctx.node : (ctx.state[part] as Record<string, unknown>)
      replaceContents(target, changes[part], part)
    }
  }
  const results: PortResult[] = []
  for (const [port, value] of outcome.e ?? []) results.push({ port, value })
  if (outcome.r !== undefined && outcome.r !== null)
    results.push({ port: 'payload', value: outcome.r })
  return results
}

/** Clips a log line and counts lines, so one call cannot flood the node's logs. */
export class LogBudget {
  private count = 0

  constructor(private readonly ctx: PluginContext) {}

  write(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    this.count++
    if (this.count > MAX_LOGS_PER_CALL) {
      if (this.count === MAX_LOGS_PER_CALL + 1)
        this.ctx.log(
          'warn',
          `More than ${MAX_LOGS_PER_CALL} log lines in one call; the rest are dropped`,
        )
      return
    }
    this.ctx.log(
      level,
      message.length > MAX_LOG_CHARS
        ? `${message.slice(0, MAX_LOG_CHARS)}… (${message.length} characters)`
        : message,
    )
  }
}
