import { Position } from '@xyflow/react'
import type { NodeHandle } from '@xyflow/react'

/** The size a node is drawn at: fixed width, a row per port. Shared by the canvas and auto-layout. */
export const NODE_WIDTH = 210

/** Height of a node's header, and of each port row below it (FlowNodeView draws to these). */
export const NODE_HEADER = 46
export const PORT_ROW = 22
const HANDLE = 10
const BORDER = 1

export function nodeHeight(ports: number): number {
  return NODE_HEADER + Math.max(ports, 1) * PORT_ROW + 6
}

/**
 * Where a node's handles are, relative to the node, as xyflow would measure them from the DOM
 * (port rows inside a 1px border; handles 10px, centred on the node's edge and on their row).
 * Declared up front, connections never depend on a measurement xyflow can lose when a node is
 * re-created between two frames.
 */
export function handlesOf(inputs: string[], outputs: string[]): NodeHandle[] {
  const y = (i: number) => BORDER + NODE_HEADER + i * PORT_ROW + PORT_ROW / 2 - HANDLE / 2
  return [
    ...inputs.map((id, i) => ({
      id,
      type: 'target' as const,
      position: Position.Left,
      x: BORDER - HANDLE / 2,
      y: y(i),
      width: HANDLE,
      height: HANDLE,
    })),
    ...outputs.map((id, i) => ({
      id,
      type: 'source' as const,
      position: Position.Right,
      x: NODE_WIDTH - BORDER - HANDLE / 2,
      y: y(i),
      width: HANDLE,
      height: HANDLE,
    })),
  ]
}

/**
 * How far fitting the flow to the view may zoom: node labels are 12px, so below half size they
 * cannot be read, and past 1 a two-node flow looks like a poster. A flow too big for the floor
 * runs off the screen (see fitFlow) rather than shrinking to unreadable specks.
 */
export const FIT_VIEW = { minZoom: 0.5, maxZoom: 1, padding: 0.1 } as const

interface Viewer {
  fitView(options: typeof FIT_VIEW & { duration?: number }): Promise<boolean>
  getViewport(): { x: number; y: number; zoom: number }
  setViewport(
    viewport: { x: number; y: number; zoom: number },
    options?: { duration?: number },
  ): Promise<boolean>
  getNodesBounds(nodes: string[]): { x: number; y: number; width: number; height: number }
  getNodes(): { id: string }[]
}

/**
 * Fits the flow to the view within FIT_VIEW's zoom range. A flow too wide for the floor is
 * shown from its start (where its trigger is) rather than cut at both ends.
 */
export async function fitFlow(viewer: Viewer, duration = 0): Promise<void> {
  await viewer.fitView({ ...FIT_VIEW, duration })
  const viewport = viewer.getViewport()
  if (viewport.zoom > FIT_VIEW.minZoom + 1e-6) return
  const bounds = viewer.getNodesBounds(viewer.getNodes().map((n) => n.id))
  const margin = 24
  const x = margin - bounds.x * viewport.zoom
  if (viewport.x < x) await viewer.setViewport({ ...viewport, x }, { duration })
}
