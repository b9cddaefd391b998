/**
 * The environment a run reads besides its state (design §3): the variables of the current
 * environment (`vars.apiBase`) and its secrets (`secrets.crm.apiKey`). Both are read-only.
 */
export interface RunEnvironment {
  /** `development`, `production`, … (for messages and reports). */
  name: string
  vars: Record<string, unknown>
  /** Secret name → field → value. */
  secrets: Record<string, Record<string, string>>
}

export const DEFAULT_ENVIRONMENT_NAME = 'development'

export function emptyEnvironment(name = DEFAULT_ENVIRONMENT_NAME): RunEnvironment {
  return { name, vars: {}, secrets: {} }
}
