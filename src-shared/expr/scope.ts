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

export type Scope = {
  event?: unknown
  profile?: unknown
  session?: unknown
  flow?: unknown
  node?: unknown
  nodes?: unknown
  payload?: unknown
}

export type Evaluator = (scope: Scope) => unknown

const STATE_SET: ReadonlySet<string> = new Set(STATE_NAMES)

export function isStateName(name: string): name is StateName {
  return STATE_SET.has(name)
}
