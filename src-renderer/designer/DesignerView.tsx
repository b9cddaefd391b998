import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import { Keyboard } from 'lucide-react'
import '@xyflow/react/dist/style.css'
import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import type { FlowDetails, FlowSummary, PluginSummary } from '../../src-shared/api/contract'
import type { Flow, Problem } from '../../src-shared/flow/types'
import { validateFlow } from '../../src-shared/flow/validate'
import type { PluginMeta } from '../../src-shared/plugin-sdk'
import { outputPortsOf } from '../../src-shared/plugin-sdk'
import { call } from '../api/client'
import { FlowConflictDialog } from '../flows/FlowConflictDialog'
import { FlowList, readFlowFile } from '../flows/FlowList'
import { ImportBundleDialog } from '../flows/ImportBundleDialog'
import { distinctName, SAMPLES } from '../flows/samples'
import { useNativeFiles } from '../flows/useNativeFiles'
import { Inspector } from '../inspector/Inspector'
import { Palette } from '../shell/Palette'
import { usePanelSizes } from '../shell/usePanelSizes'
import { layoutFlow } from './auto-layout'
import { fitFlow } from './node-size'
import type { RunOverlay } from './Canvas'
import { Canvas } from './Canvas'
import { createDesignerStore } from './designer-store'
import { DesignerProvider, useDesigner, useHistoryState } from './DesignerContext'
import { diffFlows } from './flow-diff'
import { ProblemsPanel } from './ProblemsPanel'
import { ShortcutSheet, useDesignerShortcuts } from './shortcuts'
import { DeployDialog, DiffSummary, HistoryDrawer, SaveIndicator } from './Staging'
import { ExportDialog } from './ExportDialog'
import type { ExportSource } from './ExportDialog'
import { useAutosave } from './useAutosave'
import { RunnerPanel } from '../runner/RunnerPanel'
import { SecretsPanel } from '../secrets/SecretsPanel'
import { environmentNames, useEnvironments } from '../secrets/environments-store'
import { RunHistory } from '../testbench/RunHistory'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { CoverageBar } from '../coverage/CoverageBar'
import { caseForPort, uncoveredByNode } from '../coverage/coverage-case'
import { TestBench } from '../testbench/TestBench'
import { TraceView } from '../testbench/TraceView'
import { useLastEvent, useLastEvents } from '../testbench/last-event'
import type { SampleRun } from '../testbench/last-event'
import type { PreviewSample } from '../inspector/preview'
import type { RunWith } from '../testbench/RunWithDialog'
import { RunWithDialog } from '../testbench/RunWithDialog'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { TestCase } from '../../src-shared/flow/types'

const NO_TESTS: TestCase[] = []
const NO_NODES: Flow['nodes'] = []
import { useStructure } from './useStructure'

type BottomTab = 'problems' | 'tests' | 'runs' | 'runner' | 'secrets' | 'trace'

export interface DesignerViewProps {
  plugins: PluginSummary[]
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** Buttons the app shell adds to the top bar (theme, About). */
  topbarExtras?: ReactNode
  /** Help › About in the desktop app's menu. */
  onAbout?: () => void
}

export function DesignerView(props: DesignerViewProps) {
  const store = useMemo(() => createDesignerStore(), [])
  useEffect(() => store.getState().setPlugins(props.plugins), [store, props.plugins])
  return (
    <DesignerProvider store={store}>
      <ReactFlowProvider>
        <DesignerLayout {...props} store={store} />
      </ReactFlowProvider>
    </DesignerProvider>
  )
}

/** What a run looks like on the canvas: each node's status and order, each edge's state. */
export function overlayOf(report: ExecutionReport): RunOverlay {
  const nodes: RunOverlay['nodes'] = {}
  for (const record of report.nodes) {
    const current = nodes[record.nodeId]
    if (record.status === 'skipped') {
      if (!current) nodes[record.nodeId] = { status: 'skipped', order: null }
      continue
    }
    if (!current || current.status === 'skipped')
      nodes[record.nodeId] = { status: record.status, order: record.sequence }
    else if (record.status === 'error') current.status = 'error'
  }
  return { nodes, edges: report.edges }
}

function DesignerLayout({
  plugins,
  onMessage,
  store,
  topbarExtras,
  onAbout,
}: DesignerViewProps & { store: ReturnType<typeof createDesignerStore> }) {
  const [flows, setFlows] = useState<FlowSummary[]>([])
  const [details, setDetails] = useState<FlowDetails | null>(null)
  const [bottomTab, setBottomTab] = useState<BottomTab>('problems')
  const [deployOpen, setDeployOpen] = useState(false)
  const [exportOpen, setExportOpen] = useState(false)
  const [historyOpen, setHistoryOpen] = useState(false)
  const [historyKey, setHistoryKey] = useState(0)
  const [shortcutsOpen, setShortcutsOpen] = useState(false)
  const [runWithOpen, setRunWithOpen] = useState(false)
  const [conflict, setConflict] = useState<{
    flow: Record<string, unknown>
    source: string
    existingName: string
  } | null>(null)
  const [trace, setTrace] = useState<{
    report: ExecutionReport
    title: string
    caseIndex: number | null
  } | null>(null)
  const [runsKey, setRunsKey] = useState(0)
  const overlay = useMemo(() => (trace ? overlayOf(trace.report) : null), [trace])
  const [coverage, setCoverage] = useState<FlowCoverage | null>(null)
  const [showCoverage, setShowCoverage] = useState(false)
  const [coverageOffer, setCoverageOffer] = useState<{ nodeId: string; port: string } | null>(null)
  const coverageOverlay = useMemo(() => {
    if (!showCoverage || !coverage) return null
    const onPort = (nodeId: string, port: string) => setCoverageOffer({ nodeId, port })
    return new Map([...uncoveredByNode(coverage)].map(([id, c]) => [id, { ...c, onPort }]))
  }, [showCoverage, coverage])
  const flow = useDesigner((s) => s.flow)
  const { canUndo, canRedo } = useHistoryState()
  const reactFlow = useReactFlow()
  const openingRef = useRef<string | null>(null)
  const panels = usePanelSizes()
  const flowId = useDesigner((s) => s.flowId)
  const lastEvent = useLastEvent(flowId)
  const tests = flow?.tests ?? NO_TESTS
  const samples = useMemo(() => previewSamples(tests, lastEvent), [tests, lastEvent])

  const lookup = useMemo(() => {
    const byId = new Map(plugins.map((p) => [p.id, p as unknown as PluginMeta]))
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

  const autosaveInitial = useMemo(
    () =>
      details
        ? {
            flowId: details.summary.id,
            version: details.draft.version,
            savedAt: details.draft.savedAt,
          }
        : null,
    [details],
  )
  const { status: saveStatus } = useAutosave(store, autosaveInitial)

  const refreshFlows = useCallback(async () => {
    try {
      setFlows(await call('flows.list', { includeDeleted: true }))
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
  }, [onMessage])

  const openFlow = useCallback(
    async (id: string) => {
      openingRef.current = id
      try {
        const next = await call('flows.get', { id })
        if (openingRef.current !== id) return
        store.getState().open(next.draft.flow as unknown as Flow)
        setDetails(next)
        setTrace(null)
        setCoverage(null)
        setCoverageOffer(null)
        localStorage.setItem('flowbench.lastFlow', id)
        requestAnimationFrame(() => void fitFlow(reactFlow))
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
    },
    [store, onMessage, reactFlow],
  )

  useEffect(() => {
    void refreshFlows().then(() => {
      const last = localStorage.getItem('flowbench.lastFlow')
      if (last) void openFlow(last).catch(() => undefined)
    })
    // Runs once on mount: restore the list and the last open flow.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  const act = useCallback(
    async (work: () => Promise<unknown>) => {
      try {
        await work()
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
      await refreshFlows()
    },
    [onMessage, refreshFlows],
  )

  /** Creates the flow under a name no other flow has; the server picks a free id. */
  const createCopy = useCallback(
    async (flow: Record<string, unknown>, source: string) => {
      const names = new Set((await call('flows.list', { includeDeleted: true })).map((f) => f.name))
      const name = typeof flow.name === 'string' && flow.name.trim() ? flow.name : 'Imported flow'
      const created = await call('flows.create', {
        flow: { ...flow, name: distinctName(name, names) },
      })
      await openFlow(created.summary.id)
      onMessage(`Opened ${source} as flow “${created.summary.name}”`)
    },
    [openFlow, onMessage],
  )

  /** Opens a flow document, asking first when its id is taken by a flow the user has. */
  const openDocument = useCallback(
    async (flow: Record<string, unknown>, source: string) => {
      const existing = (await call('flows.list', { includeDeleted: true })).find(
        (f) => f.id === flow.id,
      )
      if (existing && !existing.deletedAt)
        setConflict({ flow, source, existingName: existing.name })
      else await createCopy(flow, source)
    },
    [createCopy],
  )

  const resolveConflict = (choice: 'replace' | 'keep-both') =>
    act(async () => {
      if (!conflict) return
      const { flow, source } = conflict
      setConflict(null)
      if (choice === 'keep-both') return createCopy(flow, source)
      const id = String(flow.id)
      const current = await call('flows.get', { id })
      await call('flows.saveDraft', { id, baseVersion: current.draft.version, flow })
      await openFlow(id)
      onMessage(`Replaced the draft of “${current.summary.name}” with ${source}`)
    })

  const listActions = useMemo(
    () => ({
      open: (id: string) => void openFlow(id),
      create: (name: string) =>
        act(async () => {
          const created = await call('flows.create', { name })
          await openFlow(created.summary.id)
        }),
      importText: (text: string, fileName: string) =>
        act(async () => {
          const read = readFlowFile(text, fileName)
          if (!read.ok) throw new Error(read.message)
          await openDocument(read.flow, fileName)
        }),
      openSample: (id: string) =>
        act(async () => {
          const sample = SAMPLES.find((s) => s.id === id)
          if (sample)
            await openDocument(structuredClone(sample.flow), `the example “${sample.name}”`)
        }),
      rename: (id: string, name: string) =>
        act(async () => {
          if (store.getState().flowId === id) store.getState().renameFlow(name)
          else {
            const current = await call('flows.get', { id })
            await call('flows.saveDraft', {
              id,
              baseVersion: current.draft.version,
              flow: { ...current.draft.flow, name },
            })
          }
        }),
      inspectBundle: async (base64: string) => {
        try {
          return await call('bundles.inspect', { base64 })
        } catch (error) {
          onMessage((error as Error).message, 'error')
          return null
        }
      },
      // `trustPlugins` only after the user confirmed the dialog that lists the bundle's plugin code.
      importBundle: (base64: string, fileName: string, trustPlugins: boolean) =>
        act(async () => {
          const result = await call('bundles.import', { base64, trustPlugins })
          onMessage(
            `Imported ${result.flows.map((f) => f.id).join(', ')} from ${fileName} (deployed)`,
          )
          if (result.flows[0]) await openFlow(result.flows[0].id)
        }),
      duplicate: (id: string) => act(() => call('flows.duplicate', { id })),
      remove: (id: string) =>
        act(async () => {
          await call('flows.delete', { id })
          if (store.getState().flowId === id) {
            store.getState().close()
            setDetails(null)
          }
          onMessage('Moved to the trash. Restore it from the Trash below the list.')
        }),
      restore: (id: string) => act(() => call('flows.restore', { id })),
      emptyTrash: () => act(() => call('flows.emptyTrash')),
    }),
    [act, openFlow, onMessage, store, openDocument],
  )

  const flowText = useMemo(() => (flow ? flowFileText(flow) : null), [flow])
  const files = useNativeFiles({
    flowId: flow ? store.getState().flowId : null,
    flowText,
    flowName: flow?.name ?? null,
    onMessage,
    openText: async (text, fileName) => {
      try {
        const read = readFlowFile(text, fileName)
        if (!read.ok) throw new Error(read.message)
        const created = await call('flows.create', { flow: read.flow })
        await openFlow(created.summary.id)
        onMessage(`Opened ${fileName} as flow “${created.summary.name}”`)
        return created.summary.id
      } catch (error) {
        onMessage((error as Error).message, 'error')
        return null
      } finally {
        await refreshFlows()
      }
    },
    showFlow: (id) => void openFlow(id),
    onCommand: (command) => {
      if (command === 'new') void listActions.create('New flow')
      else if (command === 'about') onAbout?.()
      else if (command === 'run') void runOnce()
      else if (command === 'export-bundle') setExportOpen(true)
      else if (command === 'run-with') setRunWithOpen(true)
      else {
        setBottomTab('tests')
        // Run Tests is the test bench's own button.
        if (command === 'run-tests')
          requestAnimationFrame(() =>
            document.querySelector<HTMLButtonElement>('[data-testid="run-all"]')?.click(),
          )
      }
    },
  })

  const deploy = async (note: string): Promise<string | null> => {
    const id = store.getState().flowId
    if (!id) return 'No flow is open'
    try {
      await flushSave()
      const result = await call('flows.deploy', note ? { id, note } : { id })
      onMessage(`Deployed revision ${result.revision}`)
      setDetails(await call('flows.get', { id }))
      setHistoryKey((k) => k + 1)
      await refreshFlows()
      return null
    } catch (error) {
      return (error as Error).message
    }
  }

  /** Waits until the autosave has written the current draft, so deploy takes what the user sees. */
  const flushSave = async () => {
    const id = store.getState().flowId
    const current = store.getState().flow
    if (!id || !current) return
    const latest = await call('flows.get', { id })
    if (JSON.stringify(latest.draft.flow) === JSON.stringify(current)) return
    await call('flows.saveDraft', {
      id,
      baseVersion: latest.draft.version,
      flow: current as unknown as Record<string, unknown>,
    })
    setDetails(await call('flows.get', { id }))
  }

  const revert = async (revision: number) => {
    const id = store.getState().flowId
    if (!id) return
    await act(async () => {
      await flushSave()
      await call('flows.revert', { id, revision })
      const next = await call('flows.get', { id })
      store.getState().open(next.draft.flow as unknown as Flow)
      setDetails(next)
      onMessage(`The draft is now revision ${revision}. Deploy to make it production.`)
    })
  }

  const autoLayout = useCallback(async () => {
    const state = store.getState()
    if (!state.flow) return
    const positions = await layoutFlow(state.flow, (nodeId) => {
      const node = state.flow!.nodes.find((n) => n.id === nodeId)!
      const plugin = state.plugins[node.plugin]
      return plugin ? Math.max(plugin.inputs.length, outputPortsOf(plugin, node.config).length) : 1
    })
    state.moveNodes(positions)
    requestAnimationFrame(() => void fitFlow(reactFlow, 200))
  }, [store, reactFlow])

  const showRun = useCallback((report: ExecutionReport | null, title: string) => {
    setTrace(report ? { report, title, caseIndex: null } : null)
    if (report) setBottomTab('trace')
  }, [])
  /** From the test bench: paint the case's run on the canvas but stay on its explanation. */
  const paintRun = useCallback(
    (report: ExecutionReport | null, title: string, caseIndex?: number) =>
      setTrace(report ? { report, title, caseIndex: caseIndex ?? null } : null),
    [],
  )

  /** Pins a node's output from the shown run as its mock, in the case that made the run (or the first case). */
  const pinAsMock = useCallback(
    (nodeId: string, output: { port: string; value: unknown }) => {
      const state = store.getState()
      const tests = [...(state.flow?.tests ?? [])]
      const index = trace?.caseIndex ?? 0
      const target = tests[index] ?? {
        name: 'Case 1',
        event: {},
        expect: { status: 'succeeded' as const },
      }
      tests[index] = {
        ...target,
        mocks: { ...target.mocks, [nodeId]: { port: output.port, value: output.value } },
      }
      state.setTests(tests)
      onMessage(`“${tests[index]!.name}” now mocks ${nodeId} with its output on ${output.port}`)
    },
    [store, trace, onMessage],
  )

  /** The offered case for an uncovered port: added to the draft's cases for the user to complete. */
  const createCoverageCase = useCallback(() => {
    const state = store.getState()
    if (!coverageOffer || !state.flow) return
    const made = caseForPort(state.flow, coverageOffer.nodeId, coverageOffer.port)
    state.setTests([...(state.flow.tests ?? []), made])
    setCoverageOffer(null)
    setBottomTab('tests')
    onMessage(
      `Added “${made.name}”: edit its event until the run reaches ${coverageOffer.nodeId}.${coverageOffer.port}`,
    )
  }, [store, coverageOffer, onMessage])

  /** A new test case from the shown run: its event and starting profile, expecting what it did. */
  const caseFromRun = useCallback(() => {
    if (!trace) return
    const report = trace.report
    const entry = report.nodes.find((n) => n.nodeId === report.trigger.nodeId)
    const event = (entry?.input?.value ?? report.state.event) as Record<string, unknown>
    const reached = [
      ...new Set(report.nodes.filter((n) => n.status !== 'skipped').map((n) => n.nodeId)),
    ]
    const state = store.getState()
    const tests = [...(state.flow?.tests ?? [])]
    tests.push({
      name: `From run at ${new Date(report.startedAt).toLocaleTimeString()}`,
      event,
      expect: { status: report.status, reached },
    })
    state.setTests(tests)
    setBottomTab('tests')
    onMessage('Added a test case from this run')
  }, [trace, store, onMessage])

  /** Runs the draft with an event (and maybe a starting profile and mocks), remembers the event, shows the run. */
  const runDraft = async (run: RunWith) => {
    const state = store.getState()
    if (!state.flow || !state.flowId) return
    try {
      await flushSave()
      const report = (await call('flows.run', {
        id: state.flowId,
        event: run.event,
        ...(run.profile ? { profile: run.profile } : {}),
        ...(run.mocks ? { mocks: run.mocks } : {}),
      })) as unknown as ExecutionReport
      useLastEvents.getState().remember(state.flowId, {
        event: run.event,
        ...(run.profile ? { profile: run.profile } : {}),
      })
      showRun(report, run.title)
      setRunsKey((k) => k + 1)
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
  }

  /** Runs the draft once with the first test case's event (or an empty one). */
  const runOnce = () => {
    const first = store.getState().flow?.tests?.[0]
    return runDraft({
      event: (first?.event as Record<string, unknown> | undefined) ?? {},
      ...(first?.profile ? { profile: first.profile as Record<string, unknown> } : {}),
      ...(first?.mocks ? { mocks: first.mocks } : {}),
      title: first ? `Run with “${first.name}”` : 'Run with an empty event',
    })
  }

  /** Downloads production (or the draft), with its tests and plugins, as a `.flowbundle`. */
  const exportBundle = async (source: ExportSource) => {
    const id = store.getState().flowId
    if (!id) return
    try {
      const { fileName, base64 } = await call('bundles.export', { flowIds: [id], source })
      if (await files.saveBundle(base64, fileName)) return
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
      download(new Blob([bytes], { type: 'application/zip' }), fileName)
    } catch (error) {
      onMessage((error as Error).message, 'error')
    }
  }

  /** Saves the draft to its file (the desktop app), or downloads it as `<id>.flow.json` (a browser). */
  const { native: nativeFiles, save: saveFileBack } = files
  const saveToFile = useCallback(() => {
    const current = store.getState().flow
    if (!current) return
    if (nativeFiles) return void saveFileBack()
    download(
      new Blob([flowFileText(current)], { type: 'application/json' }),
      `${current.id}.flow.json`,
    )
  }, [store, nativeFiles, saveFileBack])

  const onCanvasMessage = useCallback((text: string) => onMessage(text, 'error'), [onMessage])
  const addFromPalette = useCallback(
    (pluginId: string) => addAtCenter(store, reactFlow, pluginId),
    [store, reactFlow],
  )

  useDesignerShortcuts({
    store,
    onMessage,
    onLayout: autoLayout,
    onShortcuts: () => setShortcutsOpen(true),
    onDeploy: () => setDeployOpen(true),
    onSave: saveToFile,
  })

  const reveal = (problem: Problem) => {
    if (problem.nodeId && store.getState().flow?.nodes.some((n) => n.id === problem.nodeId)) {
      store.getState().select([problem.nodeId])
      const node = store.getState().flow!.nodes.find((n) => n.id === problem.nodeId)!
      void reactFlow.setCenter(node.position.x + 100, node.position.y + 40, {
        zoom: Math.max(reactFlow.getZoom(), 1),
        duration: 200,
      })
    } else if (problem.edgeId) {
      store.getState().select([], [problem.edgeId])
    }
  }

  const diff = useMemo(
    () =>
      deferredStructure
        ? diffFlows(
            (details?.production?.flow as unknown as Flow | undefined) ?? null,
            deferredStructure,
          )
        : null,
    [deferredStructure, details],
  )
  const errorCount = problems.filter((p) => p.severity === 'error').length

  return (
    <div className="shell designer" data-testid="shell" style={panels.style}>
      <header className="topbar">
        <div className="brand">
          <img src="./favicon.svg" alt="" width={20} height={20} />
          <span>Flowbench</span>
        </div>
        {flow && (
          <>
            <span className="flow-title" data-testid="flow-title">
              {flow.name}
            </span>
            {files.fileName && (
              <span
                className="muted small"
                data-testid="flow-file"
                title={
                  files.dirty ? 'Changes not saved to the file yet (Ctrl+S)' : 'Saved to the file'
                }
              >
                {files.fileName}
                {files.dirty ? ' •' : ''}
              </span>
            )}
            <SaveIndicator status={saveStatus} />
            {diff && <DiffSummary diff={diff} hasProduction={!!details?.production} />}
          </>
        )}
        <div className="topbar-spacer" />
        {flow && (
          <>
            <button
              className="ghost"
              disabled={!canUndo}
              onClick={() => store.temporal.getState().undo()}
              title="Undo (Ctrl+Z)"
              data-testid="undo"
            >
              Undo
            </button>
            <button
              className="ghost"
              disabled={!canRedo}
              onClick={() => store.temporal.getState().redo()}
              title="Redo (Ctrl+Shift+Z)"
              data-testid="redo"
            >
              Redo
            </button>
            <button
              className="ghost"
              onClick={() => void autoLayout()}
              title="Auto-layout (Ctrl+Shift+L)"
              data-testid="auto-layout"
            >
              Layout
            </button>
            <button
              className="ghost"
              onClick={() => setExportOpen(true)}
              title="Export production (revision N) or the draft as a .flowbundle"
              data-testid="export-bundle"
            >
              Export
            </button>
            <button
              className="ghost"
              onClick={saveToFile}
              title="Save the draft as a .flow.json file (Ctrl+S)"
              data-testid="save-file"
            >
              Save file
            </button>
            <button
              className="ghost"
              onClick={() => void runOnce()}
              title="Run the draft with the first test case's event"
              data-testid="run-button"
            >
              Run
            </button>
            <button
              className="ghost"
              onClick={() => setRunWithOpen(true)}
              title="Run the draft with a test case's event, pasted JSON or the last event used"
              data-testid="run-with-button"
            >
              Run with…
            </button>
            <button
              className="ghost"
              onClick={() => setHistoryOpen((v) => !v)}
              data-testid="history-button"
            >
              History
            </button>
            <button
              className="primary"
              onClick={() => setDeployOpen(true)}
              data-testid="deploy-button"
              title={errorCount ? `${errorCount} problems block deploy` : 'Deploy the draft'}
            >
              Deploy
            </button>
          </>
        )}
        <button
          className="ghost"
          onClick={() => setShortcutsOpen(true)}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
          data-testid="shortcuts-button"
        >
          <Keyboard size={16} aria-hidden />
        </button>
        {topbarExtras}
      </header>

      <aside className="sidebar" data-testid="sidebar">
        <section className="panel-section" data-testid="flow-list">
          <FlowList
            flows={flows}
            openId={flow ? store.getState().flowId : null}
            actions={listActions}
            onOpenNative={files.native ? () => void files.open() : undefined}
          />
        </section>
        <section className="panel-section grow" data-testid="palette">
          <h3>Actions</h3>
          <Palette plugins={plugins} onAdd={addFromPalette} disabled={!flow} />
        </section>
      </aside>

      <main className="canvas-region" data-testid="canvas">
        <div
          className="resize-handle vertical"
          data-testid="inspector-resize"
          {...panels.handleProps('inspector')}
        />
        {flow ? (
          <>
            <Canvas
              problems={problems}
              overlay={overlay}
              coverage={coverageOverlay}
              onMessage={onCanvasMessage}
            />
            <CoverageBar
              available={coverage !== null}
              on={showCoverage}
              onToggle={() => setShowCoverage((on) => !on)}
              offer={coverageOffer}
              onCreateCase={createCoverageCase}
              onDismiss={() => setCoverageOffer(null)}
            />
          </>
        ) : (
          <div className="canvas-empty">
            <div className="empty-card" data-testid="empty-state">
              <h2>
                {flows.some((f) => !f.deletedAt)
                  ? 'Open a flow from the list, or start from an example'
                  : 'Start from an example'}
              </h2>
              <p className="muted">
                Each example is a complete flow with test cases: open one, run its tests, change it.
              </p>
              <ul className="example-list">
                {SAMPLES.map((sample) => (
                  <li key={sample.id}>
                    <button
                      onClick={() => void listActions.openSample(sample.id)}
                      data-testid={`empty-example-${sample.id}`}
                    >
                      <strong>{sample.name}</strong>
                      <span className="muted small">{sample.description}</span>
                    </button>
                  </li>
                ))}
              </ul>
              {files.recent.length > 0 && (
                <>
                  <h3>Recent files</h3>
                  <ul className="recent-files" data-testid="recent-files">
                    {files.recent.map((file) => (
                      <li key={file.path}>
                        <button
                          className="ghost small"
                          title={file.path}
                          onClick={() => void files.openRecent(file.path)}
                        >
                          {file.name}
                        </button>
                      </li>
                    ))}
                  </ul>
                </>
              )}
              <p className="muted small">
                Or create an empty flow with “+ New”, or open a .flow.json file with “Open…”.
              </p>
            </div>
          </div>
        )}
        {historyOpen && flow && (
          <HistoryDrawer
            flowId={store.getState().flowId!}
            refreshKey={historyKey}
            onRevert={revert}
            onClose={() => setHistoryOpen(false)}
          />
        )}
      </main>

      <aside className="inspector" data-testid="inspector">
        <Inspector
          problems={problems}
          structure={structure}
          trace={trace?.report ?? null}
          onUseAsMock={pinAsMock}
          onCaseFromRun={caseFromRun}
          samples={samples}
        />
      </aside>

      <section className="bottom-panel" data-testid="bottom-panel">
        <div
          className="resize-handle horizontal"
          data-testid="bottom-resize"
          {...panels.handleProps('bottom')}
        />
        <nav className="tabs" role="tablist">
          {(['problems', 'tests', 'runs', 'runner', 'secrets', 'trace'] as const)
            .filter((tab) => tab !== 'trace' || trace)
            .map((tab) => (
              <button
                key={tab}
                role="tab"
                aria-selected={bottomTab === tab}
                className={bottomTab === tab ? 'tab active' : 'tab'}
                onClick={() => setBottomTab(tab)}
                data-testid={`tab-${tab}`}
              >
                {tab === 'problems'
                  ? `Problems${problems.length ? ` (${problems.length})` : ''}`
                  : tab[0]!.toUpperCase() + tab.slice(1)}
              </button>
            ))}
        </nav>
        <div className="tab-body" data-testid={bottomTab}>
          {bottomTab === 'problems' &&
            (flow ? (
              <ProblemsPanel problems={problems} onReveal={reveal} />
            ) : (
              <p className="empty">Open a flow to see its problems.</p>
            ))}
          {bottomTab === 'tests' &&
            (flow ? (
              <TestBench
                flowId={store.getState().flowId!}
                cases={flow.tests ?? NO_TESTS}
                onCasesChange={(tests) => store.getState().setTests(tests)}
                onShowRun={paintRun}
                beforeRun={flushSave}
                onMessage={onMessage}
                onCoverage={setCoverage}
              />
            ) : (
              <p className="empty">Open a flow to see its test cases.</p>
            ))}
          {bottomTab === 'runs' &&
            (flow ? (
              <RunHistory
                flowId={store.getState().flowId!}
                refreshKey={runsKey}
                onShowRun={showRun}
              />
            ) : (
              <p className="empty">Open a flow to see its runs.</p>
            ))}
          {bottomTab === 'runner' && <RunnerPanel onMessage={onMessage} onShowRun={showRun} />}
          {bottomTab === 'secrets' && <SecretsPanel onMessage={onMessage} />}
          {bottomTab === 'trace' && trace && (
            <TraceView
              report={trace.report}
              title={trace.title}
              nodes={flow?.nodes ?? NO_NODES}
              onClose={() => (setTrace(null), setBottomTab('tests'))}
            />
          )}
        </div>
      </section>

      {conflict && (
        <FlowConflictDialog
          source={conflict.source}
          existingName={conflict.existingName}
          id={String(conflict.flow.id)}
          onReplace={() => resolveConflict('replace')}
          onKeepBoth={() => resolveConflict('keep-both')}
          onCancel={() => setConflict(null)}
        />
      )}
      {files.bundle && (
        <ImportBundleDialog
          fileName={files.bundle.fileName}
          plan={files.bundle.plan}
          onCancel={files.dismissBundle}
          onConfirm={async (trustPlugins) => {
            await listActions.importBundle(
              files.bundle!.base64,
              files.bundle!.fileName,
              trustPlugins,
            )
            files.dismissBundle()
          }}
        />
      )}
      {exportOpen && flow && (
        <ExportDialog
          flowId={store.getState().flowId!}
          onExport={exportBundle}
          onClose={() => setExportOpen(false)}
        />
      )}
      {deployOpen && (
        <DeployDialog problems={problems} onDeploy={deploy} onClose={() => setDeployOpen(false)} />
      )}
      {runWithOpen && flow && (
        <RunWithDialog
          cases={flow.tests ?? NO_TESTS}
          last={lastEvent}
          onRun={runDraft}
          onClose={() => setRunWithOpen(false)}
        />
      )}
      {shortcutsOpen && <ShortcutSheet onClose={() => setShortcutsOpen(false)} />}
    </div>
  )
}

/** What the inspector can preview expressions against: each test case's event, then the last event used. */
function previewSamples(tests: TestCase[], last: SampleRun | null): PreviewSample[] {
  const samples: PreviewSample[] = tests.map((t, i) => ({
    label: `the event of “${t.name || `Case ${i + 1}`}”`,
    event: t.event as Record<string, unknown>,
    ...(t.profile ? { profile: t.profile as Record<string, unknown> } : {}),
    ...(t.session ? { session: t.session as Record<string, unknown> } : {}),
  }))
  if (last) samples.push({ label: 'the last event used', ...last })
  // Labels pick the sample in the inspector, so two cases with one name keep the first.
  return samples.filter((s, i) => samples.findIndex((o) => o.label === s.label) === i)
}

/** A flow as its `.flow.json` file holds it. */
function flowFileText(flow: Flow): string {
  return JSON.stringify(flow, null, 2) + '\n'
}

/** Saves a blob through the browser's download. */
function download(blob: Blob, fileName: string): void {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = fileName
  link.click()
  setTimeout(() => URL.revokeObjectURL(link.href), 1000)
}

function addAtCenter(
  store: ReturnType<typeof createDesignerStore>,
  reactFlow: ReturnType<typeof useReactFlow>,
  pluginId: string,
) {
  const state = store.getState()
  if (!state.flow) return
  const canvas = document.querySelector('[data-testid="canvas"]')?.getBoundingClientRect()
  const center = canvas
    ? reactFlow.screenToFlowPosition({
        x: canvas.left + canvas.width / 2,
        y: canvas.top + canvas.height / 2,
      })
    : { x: 0, y: 0 }
  // Nudge each new node so clicks in a row do not stack them exactly.
  const offset = (state.flow.nodes.length % 5) * 24
  state.addNode(pluginId, { x: center.x - 100 + offset, y: center.y - 40 + offset })
}
