import type { PluginSummary } from '../../src-shared/api/contract'
import type { FlowNode } from '../../src-shared/flow/types'
import { useDesignerApi } from '../designer/DesignerContext'

function numberOrUndefined(text: string): number | undefined {
  if (text.trim() === '') return undefined
  const n = Number(text)
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : undefined
}

/** Label, disabled, join, retry, timeout and notes: the node fields every plugin has. */
export function NodeSettings({ node, plugin }: { node: FlowNode; plugin: PluginSummary | null }) {
  const api = useDesignerApi()
  const update = (patch: Partial<FlowNode>) => api.getState().updateNode(node.id, patch)
  const hasInputs = (plugin?.inputs.length ?? 1) > 0
  return (
    <div className="node-settings" data-testid="node-settings">
      <label>
        Label
        <input
          value={node.label ?? ''}
          placeholder={node.id}
          onChange={(e) => update({ label: e.target.value || undefined })}
          data-testid="setting-label"
        />
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={node.disabled ?? false}
          onChange={(e) => update({ disabled: e.target.checked || undefined })}
          data-testid="setting-disabled"
        />
        Disabled — pass the input through to every output
      </label>
      {hasInputs && (
        <label>
          When several branches arrive
          <select
            value={node.join ?? 'each'}
            onChange={(e) => update({ join: e.target.value === 'each' ? undefined : 'all' })}
            data-testid="setting-join"
          >
            <option value="each">Run once per arriving payload</option>
            <option value="all">Wait for all branches, run once</option>
          </select>
        </label>
      )}
      <div className="row">
        <label>
          Attempts
          <input
            type="number"
            min={1}
            max={20}
            value={node.retry?.maxAttempts ?? 1}
            onChange={(e) => {
              const attempts = numberOrUndefined(e.target.value) ?? 1
              update({
                retry:
                  attempts > 1
                    ? {
                        maxAttempts: Math.min(20, attempts),
                        backoffMs: node.retry?.backoffMs ?? 200,
                      }
                    : undefined,
              })
            }}
            data-testid="setting-attempts"
          />
        </label>
        <label>
          Backoff (ms)
          <input
            type="number"
            min={0}
            disabled={!node.retry}
            value={node.retry?.backoffMs ?? 200}
            onChange={(e) =>
              node.retry &&
              update({
                retry: { ...node.retry, backoffMs: numberOrUndefined(e.target.value) ?? 0 },
              })
            }
          />
        </label>
        <label>
          Timeout (ms)
          <input
            type="number"
            min={1}
            placeholder="none"
            value={node.timeoutMs ?? ''}
            onChange={(e) => update({ timeoutMs: numberOrUndefined(e.target.value) || undefined })}
            data-testid="setting-timeout"
          />
        </label>
      </div>
      <label>
        Notes
        <textarea
          rows={4}
          value={node.notes ?? ''}
          onChange={(e) => update({ notes: e.target.value || undefined })}
        />
      </label>
    </div>
  )
}
