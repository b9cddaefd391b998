/** The size a node is drawn at: fixed width, a row per port. Shared by the canvas and auto-layout. */
export const NODE_WIDTH = 210

export function nodeHeight(ports: number): number {
  return 46 + Math.max(ports, 1) * 22 + 6
}
