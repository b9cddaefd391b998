import { useCallback, useState } from 'react'
import type { CSSProperties, KeyboardEvent, PointerEvent } from 'react'

const KEY = 'flowbench.panels'

export interface PanelSizes {
  inspector: number
  bottom: number
}

const DEFAULTS: PanelSizes = { inspector: 320, bottom: 220 }

/** The inspector may take up to 60% of the window, the bottom panel up to 70%; neither vanishes. */
function clamp(sizes: PanelSizes): PanelSizes {
  return {
    inspector: Math.round(
      Math.min(Math.max(sizes.inspector, 260), Math.max(260, window.innerWidth * 0.6)),
    ),
    bottom: Math.round(
      Math.min(Math.max(sizes.bottom, 120), Math.max(120, window.innerHeight * 0.7)),
    ),
  }
}

function load(): PanelSizes {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<PanelSizes> | null
    if (saved && typeof saved.inspector === 'number' && typeof saved.bottom === 'number')
      return clamp({ inspector: saved.inspector, bottom: saved.bottom })
  } catch {
    // A damaged entry means the defaults, not a broken layout.
  }
  return DEFAULTS
}

type Panel = keyof PanelSizes

/**
 * Sizes of the inspector and the bottom panel, changed by dragging their edges (or with the arrow
 * keys on a focused edge) and remembered across reloads.
 */
export function usePanelSizes(): {
  style: CSSProperties
  handleProps: (panel: Panel) => {
    onPointerDown: (e: PointerEvent<HTMLElement>) => void
    onKeyDown: (e: KeyboardEvent<HTMLElement>) => void
    role: 'separator'
    tabIndex: 0
    'aria-orientation': 'vertical' | 'horizontal'
    'aria-valuenow': number
    'aria-label': string
  }
} {
  const [sizes, setSizes] = useState(load)

  const commit = useCallback((next: PanelSizes) => {
    const clamped = clamp(next)
    setSizes(clamped)
    localStorage.setItem(KEY, JSON.stringify(clamped))
  }, [])

  const handleProps = (panel: Panel) => ({
    role: 'separator' as const,
    tabIndex: 0 as const,
    'aria-orientation': panel === 'inspector' ? ('vertical' as const) : ('horizontal' as const),
    'aria-valuenow': sizes[panel],
    'aria-label': panel === 'inspector' ? 'Resize the inspector' : 'Resize the bottom panel',
    onPointerDown(e: PointerEvent<HTMLElement>) {
      e.preventDefault()
      const handle = e.currentTarget
      handle.setPointerCapture(e.pointerId)
      const start = { x: e.clientX, y: e.clientY, sizes }
      let latest = sizes
      const move = (ev: globalThis.PointerEvent) => {
        // Dragging the inspector's left edge left, or the bottom panel's top edge up, grows it.
        latest = clamp(
          panel === 'inspector'
            ? { ...start.sizes, inspector: start.sizes.inspector + start.x - ev.clientX }
            : { ...start.sizes, bottom: start.sizes.bottom + start.y - ev.clientY },
        )
        setSizes(latest)
      }
      const up = () => {
        handle.removeEventListener('pointermove', move)
        handle.removeEventListener('pointerup', up)
        handle.removeEventListener('pointercancel', up)
        commit(latest)
      }
      handle.addEventListener('pointermove', move)
      handle.addEventListener('pointerup', up)
      handle.addEventListener('pointercancel', up)
    },
    onKeyDown(e: KeyboardEvent<HTMLElement>) {
      const step = e.shiftKey ? 64 : 16
      const grow: Record<string, number> =
        panel === 'inspector'
          ? { ArrowLeft: step, ArrowRight: -step }
          : { ArrowUp: step, ArrowDown: -step }
      const delta = grow[e.key]
      if (delta === undefined) return
      e.preventDefault()
      commit({ ...sizes, [panel]: sizes[panel] + delta })
    },
  })

  return {
    style: {
      '--inspector-width': `${sizes.inspector}px`,
      '--bottom-height': `${sizes.bottom}px`,
    } as CSSProperties,
    handleProps,
  }
}
