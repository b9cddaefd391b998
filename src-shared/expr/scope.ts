/** The state an expression can read, by name. */
export const STATE_NAMES = [
  'event',
  'profile',
  'session',
  'flow',
  'node',
  'nodes',
  'payload',
] as const

export type StateName = (typeof STATE_NAMES)[number]

/**
 * Read-only names of the current environment (design §3): stored credentials and variables.
 * Expressions and templates read them; they are not part of the state handed to plugins or to
 * code nodes, and no flow writes them.
 */
export const ENVIRONMENT_NAMES = ['secrets', 'vars'] as const

export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number]

/** Every name an expression can start with. */
export const EXPRESSION_NAMES = [...STATE_NAMES, ...ENVIRONMENT_NAMES] as const

export type ExpressionName = StateName | EnvironmentName

export type Scope = {
  event?: unknown
  profile?: unknown
  session?: unknown
  flow?: unknown
  node?: unknown
  nodes?: unknown
  payload?: unknown
  secrets?: unknown
  vars?: unknown
}

export type Evaluator = (scope: Scope) => unknown

const EXPRESSION_SET: ReadonlySet<string> = new Set(EXPRESSION_NAMES)

/** A name an expression may read: a part of the state or of the environment. */
export function isExpressionName(name: string): name is ExpressionName {
  return EXPRESSION_SET.has(name)
}
