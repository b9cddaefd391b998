/** The size a node is drawn at: fixed width, a row per port. Shared by the canvas and auto-layout. */
export const NODE_WIDTH = 210

export function nodeHeight(ports: number): number {
  return 46 + Math.max(ports, 1) * 22 + 6
}

/**
 * How far fitting the flow to the view may zoom: node labels are 12px, so below half size they
 * cannot be read, and past 1 a two-node flow looks like a poster. A flow too big for the floor
 * is shown from its start, partly off screen, rather than as unreadable specks.
 */
export const FIT_VIEW = { minZoom: 0.5, maxZoom: 1, padding: 0.1 } as const
