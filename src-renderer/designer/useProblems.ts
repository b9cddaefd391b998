import { useDeferredValue, useEffect, useMemo } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'
import type { Flow, Problem } from '../../src-shared/flow/types'
import { validateFlow } from '../../src-shared/flow/validate'
import type { PluginMeta } from '../../src-shared/plugin-sdk'
import { environmentNames, useEnvironments } from '../secrets/environments-store'
import { useStructure } from './useStructure'

/**
 * The open flow's problems, checked against the installed plugins and the current environment's
 * secrets and variables. Checked on the flow's structure, deferred, so typing and dragging stay
 * smooth on large flows.
 */
export function useProblems(flow: Flow | null, plugins: PluginSummary[]) {
  const lookup = useMemo(() => {
    const byId = new Map<string, PluginMeta>(plugins.map((p) => [p.id, p]))
    return { get: (id: string) => byId.get(id) }
  }, [plugins])
  const structure = useStructure(flow)
  const deferredStructure = useDeferredValue(structure)
  // Problems also name the secrets and variables the current environment lacks.
  const environments = useEnvironments((s) => s.state)
  const environment = useMemo(() => environmentNames(environments), [environments])
  useEffect(() => {
    void useEnvironments
      .getState()
      .refresh()
      .catch(() => undefined)
  }, [])
  const problems: Problem[] = useMemo(
    () =>
      deferredStructure ? validateFlow(deferredStructure, { plugins: lookup, environment }) : [],
    [deferredStructure, lookup, environment],
  )
  return { structure, deferredStructure, problems }
}
