import { useReactFlow } from '@xyflow/react'
import { useEffect } from 'react'
import { useEscape } from '../shell/useEscape'
import type { FlowEdge, FlowNode } from '../../src-shared/flow/types'
import type { DesignerStoreApi } from './designer-store'
import { fitFlow } from './node-size'

export const SHORTCUTS: [string, string][] = [
  ['Ctrl/⌘ + Z', 'Undo'],
  ['Ctrl/⌘ + Shift + Z, Ctrl + Y', 'Redo'],
  ['Ctrl/⌘ + C', 'Copy the selected nodes (also as flow JSON to the clipboard)'],
  ['Ctrl/⌘ + V', 'Paste nodes, or flow JSON from the clipboard'],
  ['Ctrl/⌘ + D', 'Duplicate the selection'],
  ['Ctrl/⌘ + A', 'Select every node'],
  ['Delete / Backspace', 'Delete the selection'],
  ['Shift + drag', 'Box-select'],
  ['Ctrl/⌘ + Shift + L', 'Auto-layout'],
  ['F', 'Zoom to fit'],
  ['Ctrl/⌘ + S', 'Save the draft as a .flow.json file (it also autosaves)'],
  ['Ctrl/⌘ + Enter', 'Deploy'],
  ['?', 'This sheet'],
]

/** The clipboard format: a fragment of a flow, recognisable when pasted back. */
interface ClipboardFragment {
  flowbench: 'nodes'
  nodes: FlowNode[]
  edges: FlowEdge[]
}

function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null
  if (!el) return false
  return (
    el.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) ||
    !!el.closest('.monaco-editor, .modal, .drawer')
  )
}

/** Reads pasted text as nodes: our own fragment, a whole flow document, or nothing. */
export function fragmentFromText(text: string): { nodes: FlowNode[]; edges: FlowEdge[] } | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object') return null
  const candidate = value as { nodes?: unknown; edges?: unknown }
  if (!Array.isArray(candidate.nodes)) return null
  const nodes = candidate.nodes.filter(
    (n): n is FlowNode =>
      !!n &&
      typeof n === 'object' &&
      typeof (n as FlowNode).id === 'string' &&
      typeof (n as FlowNode).plugin === 'string',
  )
  const edges = Array.isArray(candidate.edges)
    ? candidate.edges.filter(
        (e): e is FlowEdge =>
          !!e &&
          typeof e === 'object' &&
          typeof (e as FlowEdge).source === 'string' &&
          typeof (e as FlowEdge).target === 'string',
      )
    : []
  return {
    nodes: nodes.map((n) => ({
      ...n,
      position: n.position && typeof n.position.x === 'number' ? n.position : { x: 0, y: 0 },
      config: n.config ?? {},
    })),
    edges,
  }
}

export function useDesignerShortcuts(options: {
  store: DesignerStoreApi
  onMessage: (text: string, kind?: 'info' | 'error') => void
  onLayout: () => void
  onShortcuts: () => void
  onDeploy: () => void
  onSave: () => void
}) {
  const { store, onMessage, onLayout, onShortcuts, onDeploy, onSave } = options
  const reactFlow = useReactFlow()

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isEditable(event.target) || !store.getState().flow) return
      const mod = event.ctrlKey || event.metaKey
      const key = event.key.toLowerCase()
      const temporal = store.temporal.getState()
      if (mod && key === 'z' && !event.shiftKey) {
        event.preventDefault()
        temporal.undo()
      } else if ((mod && key === 'z' && event.shiftKey) || (mod && key === 'y')) {
        event.preventDefault()
        temporal.redo()
      } else if (mod && key === 'd') {
        event.preventDefault()
        store.getState().duplicateSelection()
      } else if (mod && key === 'a') {
        event.preventDefault()
        store.getState().select(store.getState().flow!.nodes.map((n) => n.id))
      } else if (mod && event.shiftKey && key === 'l') {
        event.preventDefault()
        onLayout()
      } else if (mod && key === 's') {
        event.preventDefault()
        onSave()
      } else if (mod && key === 'enter') {
        event.preventDefault()
        onDeploy()
      } else if (!mod && key === 'f') {
        void fitFlow(reactFlow, 200)
      } else if (!mod && event.key === '?') {
        onShortcuts()
      }
    }
    // Copy and paste go through the clipboard events, which need no permission prompt.
    const onCopy = (event: ClipboardEvent) => {
      if (isEditable(event.target)) return
      const fragment = store.getState().copySelection()
      if (fragment.nodes.length === 0) return
      const payload: ClipboardFragment = { flowbench: 'nodes', ...fragment }
      event.clipboardData?.setData('text/plain', JSON.stringify(payload, null, 2))
      event.preventDefault()
      onMessage(`Copied ${fragment.nodes.length} node${fragment.nodes.length === 1 ? '' : 's'}`)
    }
    const onPaste = (event: ClipboardEvent) => {
      if (isEditable(event.target) || !store.getState().flow) return
      const text = event.clipboardData?.getData('text/plain') ?? ''
      const fragment = fragmentFromText(text)
      if (!fragment || fragment.nodes.length === 0) return
      event.preventDefault()
      const ids = store.getState().paste(fragment)
      onMessage(`Pasted ${ids.length} node${ids.length === 1 ? '' : 's'}`)
    }
    window.addEventListener('keydown', onKey)
    document.addEventListener('copy', onCopy)
    document.addEventListener('paste', onPaste)
    return () => {
      window.removeEventListener('keydown', onKey)
      document.removeEventListener('copy', onCopy)
      document.removeEventListener('paste', onPaste)
    }
  }, [store, onMessage, onLayout, onShortcuts, onDeploy, onSave, reactFlow])
}

export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  useEscape(onClose)
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-label="Keyboard shortcuts"
        data-testid="shortcut-sheet"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <div className="modal-actions">
          <button onClick={onClose} autoFocus>
            Close
          </button>
        </div>
      </div>
    </div>
  )
}
