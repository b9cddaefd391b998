import type { EnvironmentsState } from '../../src-shared/api/contract'
import type { EnvironmentNames } from '../../src-shared/flow/validate'

/** What the validator needs: which secrets (with fields) and variables the current environment has. */
export function environmentNames(state: EnvironmentsState | null): EnvironmentNames | undefined {
  if (!state) return undefined
  const secrets: Record<string, string[]> = {}
  for (const s of state.secrets)
    if (s.environment === null && !secrets[s.name]) secrets[s.name] = s.fields
  for (const s of state.secrets) if (s.environment === state.current) secrets[s.name] = s.fields
  const vars = Object.keys(state.environments.find((e) => e.current)?.vars ?? {})
  return { name: state.current, secrets, vars }
}
