import { BookOpen, Copy, Pencil, Trash2 } from 'lucide-react'
import { useRef, useState } from 'react'
import type { BundlePlan, FlowSummary } from '../../src-shared/api/contract'
import { parseJsonText } from '../../src-shared/json-text'
import { ImportBundleDialog } from './ImportBundleDialog'
import { SAMPLES } from './samples'

export interface FlowListActions {
  open(id: string): void
  create(name: string): Promise<void>
  importText(text: string, fileName: string): Promise<void>
  /** Opens one of the bundled example flows (asking first when its id is taken). */
  openSample(id: string): Promise<void>
  /** What the bundle holds (null when it was refused; the reason is shown). Writes nothing. */
  inspectBundle(base64: string): Promise<BundlePlan | null>
  importBundle(base64: string, fileName: string, trustPlugins: boolean): Promise<void>
  rename(id: string, name: string): Promise<void>
  duplicate(id: string): Promise<void>
  remove(id: string): Promise<void>
  restore(id: string): Promise<void>
  emptyTrash(): Promise<void>
}

export function FlowList({
  flows,
  openId,
  actions,
  onOpenNative,
}: {
  flows: FlowSummary[]
  openId: string | null
  actions: FlowListActions
  /** The host's own open dialog (the desktop app); without it, the browser's file input. */
  onOpenNative?: () => void
}) {
  const [creating, setCreating] = useState(false)
  const [name, setName] = useState('')
  const [renaming, setRenaming] = useState<string | null>(null)
  const [renameText, setRenameText] = useState('')
  const [showTrash, setShowTrash] = useState(false)
  const [examplesOpen, setExamplesOpen] = useState(false)
  const fileInput = useRef<HTMLInputElement>(null)
  const [bundle, setBundle] = useState<{
    base64: string
    fileName: string
    plan: BundlePlan
  } | null>(null)
  const live = flows.filter((f) => !f.deletedAt)
  const trash = flows.filter((f) => f.deletedAt)

  return (
    <div className="flow-list">
      {bundle && (
        <ImportBundleDialog
          fileName={bundle.fileName}
          plan={bundle.plan}
          onCancel={() => setBundle(null)}
          onConfirm={async (trustPlugins) => {
            await actions.importBundle(bundle.base64, bundle.fileName, trustPlugins)
            setBundle(null)
          }}
        />
      )}
      <div className="section-title">
        <h3>Flows</h3>
        <div className="section-actions">
          <button
            className="ghost small"
            title="New flow"
            onClick={() => setCreating(true)}
            data-testid="new-flow"
          >
            + New
          </button>
          <button
            className="ghost small"
            title="Open a .flow.json file or import a .flowbundle"
            onClick={() => (onOpenNative ? onOpenNative() : fileInput.current?.click())}
            data-testid="import-flow"
          >
            Open…
          </button>
          <button
            className="ghost small icon"
            title="Open an example flow"
            aria-haspopup="menu"
            aria-expanded={examplesOpen}
            onClick={() => setExamplesOpen((v) => !v)}
            data-testid="examples-menu"
          >
            <BookOpen size={14} aria-hidden /> Examples
          </button>
          <input
            ref={fileInput}
            type="file"
            accept=".json,.flowbundle,application/json"
            hidden
            data-testid="import-flow-input"
            onChange={async (e) => {
              const file = e.target.files?.[0]
              e.target.value = ''
              if (!file) return
              if (file.name.endsWith('.flowbundle')) {
                const bytes = new Uint8Array(await file.arrayBuffer())
                let binary = ''
                for (let i = 0; i < bytes.length; i += 0x8000)
                  binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
                const base64 = btoa(binary)
                const plan = await actions.inspectBundle(base64)
                if (plan) setBundle({ base64, fileName: file.name, plan })
              } else await actions.importText(await file.text(), file.name)
            }}
          />
        </div>
      </div>
      {examplesOpen && (
        <ul
          className="menu"
          role="menu"
          data-testid="examples-list"
          onKeyDown={(e) => e.key === 'Escape' && setExamplesOpen(false)}
        >
          {SAMPLES.map((sample) => (
            <li key={sample.id} role="none">
              <button
                role="menuitem"
                title={sample.description}
                onClick={() => {
                  setExamplesOpen(false)
                  void actions.openSample(sample.id)
                }}
                data-testid={`example-${sample.id}`}
              >
                {sample.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {creating && (
        <form
          className="inline-form"
          onSubmit={async (e) => {
            e.preventDefault()
            if (!name.trim()) return
            await actions.create(name.trim())
            setName('')
            setCreating(false)
          }}
        >
          <input
            autoFocus
            placeholder="Flow name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            data-testid="new-flow-name"
            onKeyDown={(e) => e.key === 'Escape' && setCreating(false)}
          />
          <button type="submit" className="primary small" data-testid="new-flow-create">
            Create
          </button>
        </form>
      )}
      {live.length === 0 && !creating && (
        <p className="empty">
          No flows yet. Create one, open a .flow.json file, or start from an example.
        </p>
      )}
      <ul className="flows">
        {live.map((flow) => (
          <li
            key={flow.id}
            className={flow.id === openId ? 'active' : ''}
            data-testid={`flow-item-${flow.id}`}
          >
            {renaming === flow.id ? (
              <form
                className="inline-form"
                onSubmit={async (e) => {
                  e.preventDefault()
                  if (renameText.trim()) await actions.rename(flow.id, renameText.trim())
                  setRenaming(null)
                }}
              >
                <input
                  autoFocus
                  value={renameText}
                  onChange={(e) => setRenameText(e.target.value)}
                  onBlur={() => setRenaming(null)}
                  onKeyDown={(e) => e.key === 'Escape' && setRenaming(null)}
                />
              </form>
            ) : (
              <button
                className="flow-open"
                onClick={() => actions.open(flow.id)}
                onDoubleClick={() => (setRenaming(flow.id), setRenameText(flow.name))}
                title={flow.description || flow.name}
              >
                <span className="flow-name">{flow.name}</span>
                <span className="flow-meta">
                  {flow.productionRevision ? (
                    <span className="pill live">live r{flow.productionRevision}</span>
                  ) : (
                    <span className="pill">draft</span>
                  )}
                </span>
              </button>
            )}
            <span className="flow-actions">
              <button
                className="ghost small icon"
                title="Rename"
                aria-label="Rename"
                onClick={() => (setRenaming(flow.id), setRenameText(flow.name))}
              >
                <Pencil size={14} aria-hidden />
              </button>
              <button
                className="ghost small icon"
                title="Duplicate"
                aria-label="Duplicate"
                onClick={() => actions.duplicate(flow.id)}
                data-testid={`duplicate-${flow.id}`}
              >
                <Copy size={14} aria-hidden />
              </button>
              <button
                className="ghost small icon"
                title="Move to trash"
                aria-label="Move to trash"
                onClick={() => actions.remove(flow.id)}
                data-testid={`delete-${flow.id}`}
              >
                <Trash2 size={14} aria-hidden />
              </button>
            </span>
          </li>
        ))}
      </ul>
      {trash.length > 0 && (
        <div className="trash">
          <button
            className="ghost small"
            onClick={() => setShowTrash((v) => !v)}
            data-testid="trash-toggle"
          >
            Trash ({trash.length}) {showTrash ? '▾' : '▸'}
          </button>
          {showTrash && (
            <>
              <ul className="flows">
                {trash.map((flow) => (
                  <li key={flow.id} data-testid={`trash-item-${flow.id}`}>
                    <span className="flow-name muted">{flow.name}</span>
                    <button
                      className="ghost small"
                      onClick={() => actions.restore(flow.id)}
                      data-testid={`restore-${flow.id}`}
                    >
                      Restore
                    </button>
                  </li>
                ))}
              </ul>
              <button
                className="ghost small danger"
                onClick={() =>
                  confirm('Delete the flows in the trash for good?') && actions.emptyTrash()
                }
              >
                Empty trash
              </button>
            </>
          )}
        </div>
      )}
    </div>
  )
}

/** Reads a dropped or opened file as a flow document, naming what is wrong with it. */
export function readFlowFile(
  text: string,
  fileName: string,
): { ok: true; flow: Record<string, unknown> } | { ok: false; message: string } {
  const parsed = parseJsonText(text)
  if (!parsed.ok) return { ok: false, message: `${fileName} is not valid JSON: ${parsed.message}` }
  if (!parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value))
    return { ok: false, message: `${fileName} is not a flow (expected a JSON object)` }
  return { ok: true, flow: parsed.value as Record<string, unknown> }
}
