import { Keyboard } from 'lucide-react'
import type { ReactNode } from 'react'
import type { FlowDiff } from './flow-diff'
import { DiffSummary, SaveIndicator } from './Staging'
import type { SaveStatus } from './useAutosave'

/** The designer's top bar: the open flow, its save and deploy state, and every toolbar action. */
export function Topbar({
  flowName,
  file,
  saveStatus,
  diff,
  hasProduction,
  canUndo,
  canRedo,
  errorCount,
  on,
  extras,
}: {
  /** Null when no flow is open: only the brand and the app-wide buttons show. */
  flowName: string | null
  file: { name: string; dirty: boolean } | null
  saveStatus: SaveStatus
  diff: FlowDiff | null
  hasProduction: boolean
  canUndo: boolean
  canRedo: boolean
  errorCount: number
  on: {
    undo(): void
    redo(): void
    layout(): void
    exportBundle(): void
    saveFile(): void
    run(): void
    runWith(): void
    history(): void
    deploy(): void
    shortcuts(): void
  }
  extras?: ReactNode
}) {
  return (
    <header className="topbar">
      <div className="brand">
        <img src="./favicon.svg" alt="" width={20} height={20} />
        <span>Flowbench</span>
      </div>
      {flowName !== null && (
        <>
          <span className="flow-title" data-testid="flow-title">
            {flowName}
          </span>
          {file && (
            <span
              className="muted small"
              data-testid="flow-file"
              title={
                file.dirty ? 'Changes not saved to the file yet (Ctrl+S)' : 'Saved to the file'
              }
            >
              {file.name}
              {file.dirty ? ' •' : ''}
            </span>
          )}
          <SaveIndicator status={saveStatus} />
          {diff && <DiffSummary diff={diff} hasProduction={hasProduction} />}
        </>
      )}
      <div className="topbar-spacer" />
      {flowName !== null && (
        <>
          <button
            className="ghost"
            disabled={!canUndo}
            onClick={on.undo}
            title="Undo (Ctrl+Z)"
            data-testid="undo"
          >
            Undo
          </button>
          <button
            className="ghost"
            disabled={!canRedo}
            onClick={on.redo}
            title="Redo (Ctrl+Shift+Z)"
            data-testid="redo"
          >
            Redo
          </button>
          <button
            className="ghost"
            onClick={on.layout}
            title="Auto-layout (Ctrl+Shift+L)"
            data-testid="auto-layout"
          >
            Layout
          </button>
          <button
            className="ghost"
            onClick={on.exportBundle}
            title="Export production (revision N) or the draft as a .flowbundle"
            data-testid="export-bundle"
          >
            Export
          </button>
          <button
            className="ghost"
            onClick={on.saveFile}
            title="Save the draft as a .flow.json file (Ctrl+S)"
            data-testid="save-file"
          >
            Save file
          </button>
          <button
            className="ghost"
            onClick={on.run}
            title="Run the draft with the first test case's event"
            data-testid="run-button"
          >
            Run
          </button>
          <button
            className="ghost"
            onClick={on.runWith}
            title="Run the draft with a test case's event, pasted JSON or the last event used"
            data-testid="run-with-button"
          >
            Run with…
          </button>
          <button className="ghost" onClick={on.history} data-testid="history-button">
            History
          </button>
          <button
            className="primary"
            onClick={on.deploy}
            data-testid="deploy-button"
            title={errorCount ? `${errorCount} problems block deploy` : 'Deploy the draft'}
          >
            Deploy
          </button>
        </>
      )}
      <button
        className="ghost"
        onClick={on.shortcuts}
        title="Keyboard shortcuts (?)"
        aria-label="Keyboard shortcuts"
        data-testid="shortcuts-button"
      >
        <Keyboard size={16} aria-hidden />
      </button>
      {extras}
    </header>
  )
}
