/**
 * The designer: a layout of the flow list, palette, canvas, inspector and bottom panel. What each
 * part does lives in a hook (useFlowList, useStaging, useRunTrace, useRunWith, useCoverage,
 * useFlowFiles, useCanvasCommands, useProblems); this file wires them to the markup.
 */
import { ReactFlowProvider, useReactFlow } from '@xyflow/react'
import '@xyflow/react/dist/style.css'
import { useCallback, useEffect, useMemo, useState } from 'react'
import type { MouseEvent as ReactMouseEvent, ReactNode } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import { CoverageBar } from '../coverage/CoverageBar'
import { EmptyState } from '../flows/EmptyState'
import { FlowConflictDialog } from '../flows/FlowConflictDialog'
import { FlowList } from '../flows/FlowList'
import { ImportBundleDialog } from '../flows/ImportBundleDialog'
import { Inspector } from '../inspector/Inspector'
import { RunnerPanel } from '../runner/RunnerPanel'
import { SecretsPanel } from '../secrets/SecretsPanel'
import { Palette } from '../shell/Palette'
import { usePanelSizes } from '../shell/usePanelSizes'
import { useLastEvent } from '../testbench/last-event'
import { RunHistory } from '../testbench/RunHistory'
import { RunWithDialog } from '../testbench/RunWithDialog'
import { TestBench } from '../testbench/TestBench'
import { TraceView } from '../testbench/TraceView'
import { Canvas } from './Canvas'
import { createDesignerStore } from './designer-store'
import type { DesignerStoreApi } from './designer-store'
import { DesignerProvider, useDesigner, useHistoryState } from './DesignerContext'
import { ProblemsPanel } from './ProblemsPanel'
import { NodeMenu } from './NodeMenu'
import { pinOf } from './pins'
import { lastOutputOf, previewSamples } from './run-trace'
import { ShortcutSheet, useDesignerShortcuts } from './shortcuts'
import { DeployDialog, HistoryDrawer } from './Staging'
import { ExportDialog } from './ExportDialog'
import { Topbar } from './Topbar'
import { useCanvasCommands } from './useCanvasCommands'
import { useCoverage } from './useCoverage'
import { useFlowFiles } from './useFlowFiles'
import { useFlowList } from './useFlowList'
import { useProblems } from './useProblems'
import { useRunTrace } from './useRunTrace'
import { useRunWith } from './useRunWith'
import { useStaging } from './useStaging'

const NO_TESTS: TestCase[] = []
const NO_NODES: Flow['nodes'] = []

type BottomTab = 'problems' | 'tests' | 'runs' | 'runner' | 'secrets' | 'trace'
const BOTTOM_TABS: BottomTab[] = ['problems', 'tests', 'runs', 'runner', 'secrets', 'trace']

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

function DesignerLayout({
  plugins,
  onMessage,
  store,
  topbarExtras,
  onAbout,
}: DesignerViewProps & { store: DesignerStoreApi }) {
  const [bottomTab, setBottomTab] = useState<BottomTab>('problems')
  const [shortcutsOpen, setShortcutsOpen] = useState(false)
  const [exportOpen, setExportOpen] = useState(false)
  const [nodeMenu, setNodeMenu] = useState<{ nodeId: string; x: number; y: number } | null>(null)
  const flow = useDesigner((s) => s.flow)
  const flowId = useDesigner((s) => s.flowId)
  const { canUndo, canRedo } = useHistoryState()
  const reactFlow = useReactFlow()
  const panels = usePanelSizes()
  const lastEvent = useLastEvent(flowId)
  const tests = flow?.tests ?? NO_TESTS
  const samples = useMemo(() => previewSamples(tests, lastEvent), [tests, lastEvent])
  const { structure, deferredStructure, problems } = useProblems(flow, plugins)
  const errorCount = problems.filter((p) => p.severity === 'error').length

  const showTests = useCallback(() => setBottomTab('tests'), [])
  const trace = useRunTrace({ store, onMessage, showTab: setBottomTab })
  const coverage = useCoverage({ store, onMessage, showTests })
  const { clear: clearTrace } = trace
  const { reset: resetCoverage } = coverage
  const onOpened = useCallback(() => {
    clearTrace()
    resetCoverage()
  }, [clearTrace, resetCoverage])
  const list = useFlowList({ store, reactFlow, onMessage, onOpened })
  const staging = useStaging({
    store,
    structure: deferredStructure,
    details: list.details,
    setDetails: list.setDetails,
    refreshFlows: list.refreshFlows,
    act: list.act,
    onMessage,
  })
  const runs = useRunWith({
    store,
    flushSave: staging.flushSave,
    showRun: trace.showRun,
    onMessage,
  })
  const canvas = useCanvasCommands(store, reactFlow)
  const { files, exportBundle, saveToFile } = useFlowFiles({
    store,
    flow,
    onMessage,
    openText: list.openFileText,
    showFlow: (id) => void list.openFlow(id),
    onCommand: (command) => {
      if (command === 'new') void list.actions.create('New flow')
      else if (command === 'about') onAbout?.()
      else if (command === 'run') void runs.runOnce()
      else if (command === 'export-bundle') setExportOpen(true)
      else if (command === 'run-with') runs.openDialog()
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

  /** A right-click on a node opens its menu (Run to here, pin); elsewhere the browser's own. */
  const openNodeMenu = (event: ReactMouseEvent) => {
    const id = (event.target as Element).closest('.react-flow__node')?.getAttribute('data-id')
    if (!id || !flow?.nodes.some((n) => n.id === id)) return
    event.preventDefault()
    setNodeMenu({ nodeId: id, x: event.clientX, y: event.clientY })
  }
  const labelOf = (nodeId: string) => flow?.nodes.find((n) => n.id === nodeId)?.label ?? nodeId
  const runTarget = runs.dialog?.stopAfter ?? null
  const menuOutput =
    nodeMenu && trace.trace ? lastOutputOf(trace.trace.report, nodeMenu.nodeId) : undefined

  const onCanvasMessage = useCallback((text: string) => onMessage(text, 'error'), [onMessage])
  const { setDeployOpen } = staging
  useDesignerShortcuts({
    store,
    onMessage,
    onLayout: canvas.autoLayout,
    onShortcuts: () => setShortcutsOpen(true),
    onDeploy: () => setDeployOpen(true),
    onSave: saveToFile,
  })

  return (
    <div className="shell designer" data-testid="shell" style={panels.style}>
      <Topbar
        flowName={flow ? flow.name : null}
        file={files.fileName ? { name: files.fileName, dirty: files.dirty } : null}
        saveStatus={staging.saveStatus}
        diff={staging.diff}
        hasProduction={staging.hasProduction}
        canUndo={canUndo}
        canRedo={canRedo}
        errorCount={errorCount}
        on={{
          undo: () => store.temporal.getState().undo(),
          redo: () => store.temporal.getState().redo(),
          layout: () => void canvas.autoLayout(),
          exportBundle: () => setExportOpen(true),
          saveFile: saveToFile,
          run: () => void runs.runOnce(),
          runWith: () => runs.openDialog(),
          history: () => staging.setHistoryOpen((v) => !v),
          deploy: () => setDeployOpen(true),
          shortcuts: () => setShortcutsOpen(true),
        }}
        extras={topbarExtras}
      />

      <aside className="sidebar" data-testid="sidebar">
        <section className="panel-section" data-testid="flow-list">
          <FlowList
            flows={list.flows}
            openId={flow ? flowId : null}
            actions={list.actions}
            onOpenNative={files.native ? () => void files.open() : undefined}
          />
        </section>
        <section className="panel-section grow" data-testid="palette">
          <h3>Actions</h3>
          <Palette plugins={plugins} onAdd={canvas.addAtCenter} disabled={!flow} />
        </section>
      </aside>

      <main className="canvas-region" data-testid="canvas" onContextMenu={openNodeMenu}>
        <div
          className="resize-handle vertical"
          data-testid="inspector-resize"
          {...panels.handleProps('inspector')}
        />
        {flow ? (
          <>
            <Canvas
              problems={problems}
              overlay={trace.overlay}
              coverage={coverage.overlay}
              onMessage={onCanvasMessage}
            />
            <CoverageBar
              available={coverage.coverage !== null}
              on={coverage.showCoverage}
              onToggle={coverage.toggle}
              offer={coverage.offer}
              onCreateCase={coverage.createCase}
              onDismiss={coverage.dismissOffer}
            />
          </>
        ) : (
          <EmptyState
            hasFlows={list.flows.some((f) => !f.deletedAt)}
            recent={files.recent}
            onOpenSample={(id) => void list.actions.openSample(id)}
            onOpenRecent={(path) => void files.openRecent(path)}
          />
        )}
        {staging.historyOpen && flow && flowId && (
          <HistoryDrawer
            flowId={flowId}
            refreshKey={staging.historyKey}
            onRevert={staging.revert}
            onClose={() => staging.setHistoryOpen(false)}
          />
        )}
      </main>

      <aside className="inspector" data-testid="inspector">
        <Inspector
          problems={problems}
          structure={structure}
          trace={trace.trace?.report ?? null}
          onUseAsMock={trace.pinAsMock}
          onCaseFromRun={trace.caseFromRun}
          onRunToHere={runs.openDialog}
          onPin={trace.setPin}
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
          {BOTTOM_TABS.filter((tab) => tab !== 'trace' || trace.trace).map((tab) => (
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
              <ProblemsPanel problems={problems} onReveal={canvas.reveal} />
            ) : (
              <p className="empty">Open a flow to see its problems.</p>
            ))}
          {/* Kept mounted while another tab shows: going to a case's trace and back keeps the results. */}
          {flow && flowId && (
            <div style={{ display: bottomTab === 'tests' ? 'contents' : 'none' }}>
              <TestBench
                flowId={flowId}
                cases={flow.tests ?? NO_TESTS}
                edges={flow.edges}
                onCasesChange={(tests) => store.getState().setTests(tests)}
                onShowRun={trace.paintRun}
                onOpenTrace={() => setBottomTab('trace')}
                beforeRun={staging.flushSave}
                onMessage={onMessage}
                onCoverage={coverage.setCoverage}
              />
            </div>
          )}
          {bottomTab === 'tests' && !(flow && flowId) && (
            <p className="empty">Open a flow to see its test cases.</p>
          )}
          {bottomTab === 'runs' &&
            (flow && flowId ? (
              <RunHistory flowId={flowId} refreshKey={runs.runsKey} onShowRun={trace.showRun} />
            ) : (
              <p className="empty">Open a flow to see its runs.</p>
            ))}
          {bottomTab === 'runner' && (
            <RunnerPanel onMessage={onMessage} onShowRun={trace.showRun} />
          )}
          {bottomTab === 'secrets' && <SecretsPanel onMessage={onMessage} />}
          {bottomTab === 'trace' && trace.trace && (
            <TraceView
              key={trace.trace.report.runId}
              report={trace.trace.report}
              title={trace.trace.title}
              nodes={flow?.nodes ?? NO_NODES}
              focus={trace.trace.focus}
              onClose={() => (trace.clear(), setBottomTab('tests'))}
            />
          )}
        </div>
      </section>

      {list.conflict && (
        <FlowConflictDialog
          source={list.conflict.source}
          existingName={list.conflict.existingName}
          id={String(list.conflict.flow.id)}
          onReplace={() => list.resolveConflict('replace')}
          onKeepBoth={() => list.resolveConflict('keep-both')}
          onCancel={list.cancelConflict}
        />
      )}
      {files.bundle && (
        <ImportBundleDialog
          fileName={files.bundle.fileName}
          plan={files.bundle.plan}
          onCancel={files.dismissBundle}
          onConfirm={async (trustPlugins) => {
            await list.actions.importBundle(
              files.bundle!.base64,
              files.bundle!.fileName,
              trustPlugins,
            )
            files.dismissBundle()
          }}
        />
      )}
      {exportOpen && flowId && (
        <ExportDialog
          flowId={flowId}
          onExport={exportBundle}
          onClose={() => setExportOpen(false)}
        />
      )}
      {staging.deployOpen && (
        <DeployDialog
          problems={problems}
          onDeploy={staging.deploy}
          onClose={() => setDeployOpen(false)}
        />
      )}
      {runs.dialog && flow && (
        <RunWithDialog
          cases={flow.tests ?? NO_TESTS}
          last={lastEvent}
          target={runTarget && labelOf(runTarget)}
          onRun={(run) =>
            runs.runDraft(
              runTarget
                ? {
                    ...run,
                    stopAfter: runTarget,
                    title: `Run to “${labelOf(runTarget)}”: ${run.title}`,
                  }
                : run,
            )
          }
          onClose={runs.closeDialog}
        />
      )}
      {nodeMenu && (
        <NodeMenu
          at={nodeMenu}
          label={labelOf(nodeMenu.nodeId)}
          pinned={pinOf(flow, nodeMenu.nodeId) !== undefined}
          canPin={menuOutput !== undefined}
          onRunToHere={() => runs.openDialog(nodeMenu.nodeId)}
          onPin={() => menuOutput && trace.setPin(nodeMenu.nodeId, menuOutput)}
          onUnpin={() => trace.setPin(nodeMenu.nodeId, null)}
          onClose={() => setNodeMenu(null)}
        />
      )}
      {shortcutsOpen && <ShortcutSheet onClose={() => setShortcutsOpen(false)} />}
    </div>
  )
}
