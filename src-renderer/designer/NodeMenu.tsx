import { Pin, PinOff, Play } from 'lucide-react'
import { useEscape } from '../shell/useEscape'

/** A node's right-click menu: run the flow up to it, pin the output the shown run gave it, or unpin. */
export function NodeMenu({
  at,
  label,
  pinned,
  canPin,
  onRunToHere,
  onPin,
  onUnpin,
  onClose,
}: {
  at: { x: number; y: number }
  label: string
  pinned: boolean
  /** The shown run gave the node an output that can be pinned. */
  canPin: boolean
  onRunToHere: () => void
  onPin: () => void
  onUnpin: () => void
  onClose: () => void
}) {
  useEscape(onClose)
  const pick = (action: () => void) => () => {
    onClose()
    action()
  }
  return (
    <div
      className="menu-backdrop"
      onClick={onClose}
      onContextMenu={(e) => (e.preventDefault(), onClose())}
    >
      <ul
        className="context-menu"
        role="menu"
        aria-label={`Node ${label}`}
        style={{ left: at.x, top: at.y }}
        data-testid="node-menu"
        onClick={(e) => e.stopPropagation()}
      >
        <li role="none" className="menu-title muted small">
          {label}
        </li>
        <li role="none">
          <button role="menuitem" onClick={pick(onRunToHere)} data-testid="menu-run-to-here">
            <Play size={13} aria-hidden /> Run to here…
          </button>
        </li>
        {canPin && (
          <li role="none">
            <button role="menuitem" onClick={pick(onPin)} data-testid="menu-pin-output">
              <Pin size={13} aria-hidden /> Pin output from the shown run
            </button>
          </li>
        )}
        {pinned && (
          <li role="none">
            <button role="menuitem" onClick={pick(onUnpin)} data-testid="menu-unpin-output">
              <PinOff size={13} aria-hidden /> Unpin output
            </button>
          </li>
        )}
      </ul>
    </div>
  )
}
