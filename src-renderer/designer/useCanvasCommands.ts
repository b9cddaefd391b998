import type { useReactFlow } from '@xyflow/react'
import { useCallback } from 'react'
import type { Problem } from '../../src-shared/flow/types'
import { outputPortsOf } from '../../src-shared/plugin-sdk'
import { layoutFlow } from './auto-layout'
import type { DesignerStoreApi } from './designer-store'
import { fitFlow } from './node-size'

/** Canvas commands from outside the canvas: auto-layout, add from the palette, reveal a problem. */
export function useCanvasCommands(
  store: DesignerStoreApi,
  reactFlow: ReturnType<typeof useReactFlow>,
) {
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

  /** A palette click adds the node in the middle of the canvas's view. */
  const addAtCenter = useCallback(
    (pluginId: string) => {
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
    },
    [store, reactFlow],
  )

  /** Selects and centres the node (or selects the edge) a problem is about. */
  const reveal = useCallback(
    (problem: Problem) => {
      const state = store.getState()
      const node = problem.nodeId
        ? state.flow?.nodes.find((n) => n.id === problem.nodeId)
        : undefined
      if (node) {
        state.select([node.id])
        void reactFlow.setCenter(node.position.x + 100, node.position.y + 40, {
          zoom: Math.max(reactFlow.getZoom(), 1),
          duration: 200,
        })
      } else if (problem.edgeId) {
        state.select([], [problem.edgeId])
      }
    },
    [store, reactFlow],
  )

  return { autoLayout, addAtCenter, reveal }
}
