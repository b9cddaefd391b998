import Form from '@rjsf/core'
import { Pin, Play } from 'lucide-react'
import { PluginIcon } from '../shell/PluginIcon'
import type { IChangeEvent } from '@rjsf/core'
import { lazy, memo, Suspense, useDeferredValue, useMemo, useState } from 'react'
import type { ReactNode } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, FlowNode, MockOutput, Problem } from '../../src-shared/flow/types'
import { parseJsonText } from '../../src-shared/json-text'
import { useDesigner, useDesignerApi } from '../designer/DesignerContext'
import { pinOf } from '../designer/pins'
import { uiSchemaFor } from './config-form'
import { DocsView } from './DocsView'
import { formValidator } from './form-validator'
import { NodeSettings } from './NodeSettings'
import type { PreviewSample } from './preview'
import { BASE_REF_SUGGESTIONS, customFields, customWidgets } from './widgets'

const CodeEditor = lazy(() =>
  import('../editor/CodeEditor').then((m) => ({ default: m.CodeEditor })),
)

type Tab = 'form' | 'json' | 'docs' | 'settings'

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

const CODE_COMPLETIONS = [
  { label: 'event', detail: 'The event: id, type, source, time, properties, context' },
  { label: 'profile', detail: 'The profile: traits, segments, interests, consents' },
  { label: 'session', detail: 'The session: context' },
  { label: 'flow', detail: 'Workflow-level context shared by all nodes' },
  { label: 'node', detail: 'This node’s private context' },
  { label: 'nodes', detail: 'Outputs of earlier nodes: nodes.check.outputs.true' },
  { label: 'payload', detail: 'The value that arrived on the input' },
  { label: 'emit', detail: 'emit(port, value): send a value to a named port', insertText: 'emit(' },
]

/** Paths already used in the flow's configs, offered when typing a reference. */
function refSuggestions(nodes: FlowNode[]): string[] {
  const found = new Set(BASE_REF_SUGGESTIONS)
  const visit = (value: unknown) => {
    if (
      typeof value === 'string' &&
      /^(event|profile|session|flow|node|payload)@[\w.]+$/.test(value)
    )
      found.add(value)
    else if (Array.isArray(value)) value.forEach(visit)
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        visit(k)
        visit(v)
      }
    }
  }
  for (const node of nodes) visit(node.config)
  return [...found].sort()
}

/**
 * Reads nodes from `structure`, the flow that stays the same object while only positions change,
 * so dragging a node does not re-render its form on every frame.
 */
export interface InspectorProps {
  problems: Problem[]
  structure: Flow | null
  /** The run shown on the canvas, if any: its outputs can become mocks or a test case. */
  trace: ExecutionReport | null
  onUseAsMock: (nodeId: string, output: { port: string; value: unknown }) => void
  onCaseFromRun: () => void
  /** "Run to here": runs the flow up to this node with an event the user picks. */
  onRunToHere: (nodeId: string) => void
  /** Pins the node's output (designer runs use it instead of running the node), or unpins it (null). */
  onPin: (nodeId: string, pin: MockOutput | null) => void
  /** Events the form's previews can be computed against: the test cases', then the last one used. */
  samples: PreviewSample[]
}

export const Inspector = memo(function Inspector({
  problems,
  structure,
  trace,
  onUseAsMock,
  onCaseFromRun,
  onRunToHere,
  onPin,
  samples,
}: InspectorProps) {
  // Deferred: pressing a node to drag it selects it, and mounting its form takes longer than a
  // frame; React renders the form in the background instead, so the drag does not stall.
  const selected = useDeferredValue(
    useDesigner((s) => (s.selectedNodes.length === 1 ? s.selectedNodes[0]! : null)),
  )
  const count = useDeferredValue(useDesigner((s) => s.selectedNodes.length))
  const node = selected ? (structure?.nodes.find((n) => n.id === selected) ?? null) : null
  const plugin = useDesigner((s) => (node ? (s.plugins[node.plugin] ?? null) : null))
  const allNodes = structure?.nodes ?? NO_NODES

  if (!node) {
    return (
      <div className="inspector-empty" data-testid="inspector-empty">
        <p className="empty">
          {count > 1 ? `${count} nodes selected.` : 'Select a node to configure it.'}
        </p>
      </div>
    )
  }
  const lastOutput = trace
    ? [...trace.nodes]
        .reverse()
        .find((n) => n.nodeId === node.id && n.outputs.length > 0)
        ?.outputs.at(-1)
    : undefined
  const pin = pinOf(structure, node.id)
  return (
    <>
      <NodeInspector
        key={node.id}
        node={node}
        plugin={plugin}
        problems={problems.filter((p) => p.nodeId === node.id)}
        allNodes={allNodes}
        samples={samples}
        actions={
          <div className="node-run" data-testid="node-run">
            <button
              className="small"
              onClick={() => onRunToHere(node.id)}
              title="Run the flow up to this node with an event you pick, and show its input and output"
              data-testid="run-to-here"
            >
              <Play size={12} aria-hidden /> Run to here…
            </button>
            {pin && (
              <span className="pinned-note" data-testid="pinned-note">
                <Pin size={12} aria-hidden /> Output pinned on{' '}
                <span className="mono">{pin.port}</span>
                <button
                  className="ghost small"
                  onClick={() => onPin(node.id, null)}
                  data-testid="unpin-output"
                >
                  Unpin
                </button>
              </span>
            )}
          </div>
        }
      />
      {trace && (
        <div className="from-run" data-testid="from-run">
          <h3>From the shown run</h3>
          {lastOutput ? (
            <>
              <pre className="mono small">{`${lastOutput.port}: ${JSON.stringify(lastOutput.value, null, 2)?.slice(0, 400)}`}</pre>
              <button
                className="small"
                onClick={() =>
                  onUseAsMock(node.id, { port: lastOutput.port, value: lastOutput.value })
                }
                data-testid="use-as-mock"
              >
                Use this output as the node’s mock
              </button>
              <button
                className="small"
                onClick={() => onPin(node.id, { port: lastOutput.port, value: lastOutput.value })}
                title="Designer runs (Run, Run with…, Run to here) use this output instead of running the node; tests do not"
                data-testid="pin-output"
              >
                <Pin size={12} aria-hidden /> Pin this output
              </button>
            </>
          ) : (
            <p className="muted small">This node sent nothing in that run.</p>
          )}
          <button className="small" onClick={onCaseFromRun} data-testid="case-from-run">
            Create a test case from this run
          </button>
        </div>
      )}
    </>
  )
})

const NO_NODES: FlowNode[] = []

function NodeInspector({
  node,
  plugin,
  problems,
  allNodes,
  samples,
  actions,
}: {
  node: FlowNode
  plugin: PluginSummary | null
  problems: Problem[]
  allNodes: FlowNode[]
  samples: PreviewSample[]
  /** Below the header: what can be done with the node as a whole (Run to here, its pin). */
  actions?: ReactNode
}) {
  const api = useDesignerApi()
  const [tab, setTab] = useState<Tab>('form')
  const [sampleLabel, setSampleLabel] = useState<string | null>(null)
  const sample = samples.find((s) => s.label === sampleLabel) ?? samples[0] ?? null
  const formContext = useMemo(
    () => ({ refSuggestions: refSuggestions(allNodes), codeCompletions: CODE_COMPLETIONS, sample }),
    [allNodes, sample],
  )
  const uiSchema = useMemo(() => (plugin ? uiSchemaFor(plugin) : {}), [plugin])

  const setConfig = (config: Record<string, unknown>) => {
    if (!sameJson(config, node.config)) api.getState().updateConfig(node.id, config)
  }

  return (
    <div className="node-inspector">
      <header className="inspector-header">
        <span className="fb-node-icon" aria-hidden>
          <PluginIcon name={plugin?.icon} label={plugin?.name ?? node.plugin} />
        </span>
        <div>
          <div className="inspector-title">{node.label ?? node.id}</div>
          <div className="muted small">
            {plugin?.name ?? node.plugin} · <span className="mono">{node.id}</span>
          </div>
        </div>
      </header>
      {actions}
      {problems.length > 0 && (
        <ul className="inspector-problems">
          {problems.map((p, i) => (
            <li key={i} className={p.severity}>
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <nav className="tabs" role="tablist">
        {(['form', 'json', 'docs', 'settings'] as const).map((t) => (
          <button
            key={t}
            role="tab"
            aria-selected={tab === t}
            className={tab === t ? 'tab active' : 'tab'}
            onClick={() => setTab(t)}
            data-testid={`inspector-tab-${t}`}
          >
            {t === 'json' ? 'JSON' : t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </nav>
      <div className="inspector-body">
        {tab === 'form' &&
          (plugin ? (
            <div data-testid="inspector-form" className="config-form">
              {samples.length > 0 && (
                <label className="inspector-sample muted small">
                  Preview with
                  <select
                    value={sample?.label ?? ''}
                    onChange={(e) => setSampleLabel(e.target.value)}
                    data-testid="preview-sample"
                  >
                    {samples.map((s) => (
                      <option key={s.label} value={s.label}>
                        {s.label}
                      </option>
                    ))}
                  </select>
                </label>
              )}
              <Form
                schema={plugin.configSchema as object}
                uiSchema={uiSchema}
                formData={node.config}
                validator={formValidator}
                widgets={customWidgets}
                fields={customFields}
                formContext={formContext}
                liveValidate="onChange"
                showErrorList={false}
                noHtml5Validate
                onChange={(event: IChangeEvent) =>
                  setConfig((event.formData ?? {}) as Record<string, unknown>)
                }
              />
            </div>
          ) : (
            <p className="error-text">
              Plugin {node.plugin} is not installed; edit its config in the JSON tab.
            </p>
          ))}
        {tab === 'json' && <JsonConfigEditor node={node} plugin={plugin} onValid={setConfig} />}
        {tab === 'docs' &&
          (plugin ? (
            <DocsView plugin={plugin} />
          ) : (
            <p className="muted">No docs: the plugin is not installed.</p>
          ))}
        {tab === 'settings' && <NodeSettings node={node} plugin={plugin} />}
      </div>
    </div>
  )
}

/**
 * The config as JSON. The editor's text is the user's: it is replaced only when the config changes
 * elsewhere (the form, undo), never while typing, so Monaco's auto-closed brackets and quotes stay
 * in step. Text that does not parse, or parses to a config the plugin's schema refuses (the `{}`
 * on the way to a full object), shows why and never replaces the last valid config.
 */
function JsonConfigEditor({
  node,
  plugin,
  onValid,
}: {
  node: FlowNode
  plugin: PluginSummary | null
  onValid: (config: Record<string, unknown>) => void
}) {
  const [text, setText] = useState(() => JSON.stringify(node.config, null, 2))
  const [error, setError] = useState<string | null>(null)
  // The config the text stands for: the one shown or the last one this editor applied.
  const [synced, setSynced] = useState(node.config)
  if (node.config !== synced) {
    setSynced(node.config)
    const parsed = parseJsonText(text)
    // Compared by content: an edit equal to the config is not applied, so identity says nothing.
    if (!sameJson(node.config, synced) && !(parsed.ok && sameJson(parsed.value, node.config))) {
      setText(JSON.stringify(node.config, null, 2))
      setError(null)
    }
  }

  const onChange = (next: string) => {
    setText(next)
    const parsed = parseJsonText(next)
    if (!parsed.ok) {
      setError(parsed.message)
      return
    }
    if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      setError('The config must be a JSON object')
      return
    }
    const config = parsed.value as Record<string, unknown>
    if (plugin) {
      const problems = formValidator.validateFormData(config, plugin.configSchema as object).errors
      if (problems.length > 0) {
        setError(`Not a valid config: ${problems.map((p) => p.stack).join('; ')}`)
        return
      }
    }
    setError(null)
    setSynced(config)
    onValid(config)
  }

  return (
    <div data-testid="inspector-json">
      <Suspense fallback={<div className="code-editor loading">Loading editor…</div>}>
        <CodeEditor
          value={text}
          onChange={onChange}
          language="json"
          path={`flowbench://node/${encodeURIComponent(node.id)}/config.json`}
          schema={plugin ? (plugin.configSchema as object) : undefined}
          height={320}
          testId="json-editor"
        />
      </Suspense>
      {error ? (
        <div className="field-error" data-testid="json-error">
          {error} — the node keeps its last valid config.
        </div>
      ) : (
        <div className="muted small">
          Edits apply as you type. The plugin’s schema checks the config.
        </div>
      )}
    </div>
  )
}
