import { Handle, Position } from '@xyflow/react'
import { PluginIcon } from '../shell/PluginIcon'
import type { Node, NodeProps } from '@xyflow/react'
import { memo } from 'react'
import type { FlowNode } from '../../src-shared/flow/types'
import type { PluginSummary } from '../../src-shared/api/contract'
import { Pin } from 'lucide-react'
import { useDesigner, useDesignerApi } from './DesignerContext'
import { NODE_HEADER, PORT_ROW } from './node-size'
import { pinOf, withPin } from './pins'

export type NodeRunStatus = 'ok' | 'error' | 'skipped' | 'running'

export interface FlowNodeData extends Record<string, unknown> {
  node: FlowNode
  plugin: PluginSummary | null
  inputs: string[]
  outputs: string[]
  problems: { errors: number; warnings: number; first: string | null }
  run: { status: NodeRunStatus; order: number | null } | null
  /** With the Coverage toggle on: what the test cases never reached of this node. */
  coverage?: NodeCoverage | null
}

export interface NodeCoverage {
  nodeUncovered: boolean
  uncoveredPorts: string[]
  /** Offers a test case that would reach the port. */
  onPort: (nodeId: string, port: string) => void
}

export type CanvasNode = Node<FlowNodeData, 'flowNode'>

const HEADER = NODE_HEADER

/** A pinned output: designer runs send it instead of running the node. A click unpins it. */
function PinBadge({ nodeId }: { nodeId: string }) {
  const api = useDesignerApi()
  const pin = useDesigner((s) => pinOf(s.flow, nodeId))
  if (!pin) return null
  return (
    <button
      className="fb-badge pin nodrag"
      title={`Output pinned on “${pin.port}”: Run, Run with… and Run to here use it instead of running this node. Click to unpin.`}
      aria-label="Unpin output"
      data-testid={`node-pin-${nodeId}`}
      onClick={(e) => {
        e.stopPropagation()
        const flow = api.getState().flow
        if (flow) api.getState().replaceFlow(withPin(flow, nodeId, null))
      }}
    >
      <Pin size={10} aria-hidden />
    </button>
  )
}

function FlowNodeViewImpl({ data, selected }: NodeProps<CanvasNode>) {
  const { node, plugin, inputs, outputs, problems, run, coverage } = data
  const rows = Math.max(inputs.length, outputs.length, 1)
  const classes = ['fb-node']
  if (selected) classes.push('selected')
  if (node.disabled) classes.push('disabled')
  if (!plugin) classes.push('unknown')
  if (run) classes.push(`run-${run.status}`)
  if (coverage?.nodeUncovered) classes.push('cov-uncovered')
  return (
    <div
      className={classes.join(' ')}
      data-testid={`node-${node.id}`}
      style={{ minHeight: HEADER + rows * PORT_ROW + 6 }}
    >
      <div className="fb-node-header">
        <span className="fb-node-icon" aria-hidden>
          <PluginIcon name={plugin?.icon} label={plugin?.name ?? node.plugin} />
        </span>
        <span className="fb-node-titles">
          <span className="fb-node-label">{node.label ?? node.id}</span>
          <span className="fb-node-plugin">
            {plugin ? plugin.name : `Unknown plugin ${node.plugin}`}
          </span>
        </span>
        <span className="fb-node-badges">
          {run?.order != null && (
            <span
              className={`fb-badge run ${run.status}`}
              title={`Ran ${run.order}. (${run.status})`}
              data-testid={`node-run-${node.id}`}
            >
              {run.order}
            </span>
          )}
          {problems.errors > 0 && (
            <span
              className="fb-badge error"
              title={problems.first ?? ''}
              data-testid={`node-problem-${node.id}`}
            >
              {problems.errors}
            </span>
          )}
          {problems.errors === 0 && problems.warnings > 0 && (
            <span className="fb-badge warning" title={problems.first ?? ''}>
              !
            </span>
          )}
          {node.disabled && <span className="fb-badge muted">off</span>}
          <PinBadge nodeId={node.id} />
        </span>
      </div>
      {inputs.map((port, i) => (
        <div key={`in-${port}`} className="fb-port in" style={{ top: HEADER + i * PORT_ROW }}>
          <Handle
            type="target"
            position={Position.Left}
            id={port}
            className="fb-handle"
            data-testid={`port-${node.id}-in-${port}`}
          />
          <span>{port}</span>
        </div>
      ))}
      {outputs.map((port, i) => (
        <div
          key={`out-${port}`}
          className={port === 'error' ? 'fb-port out error' : 'fb-port out'}
          style={{ top: HEADER + i * PORT_ROW }}
        >
          {coverage?.uncoveredPorts.includes(port) && (
            <button
              className="cov-port nodrag"
              title={`No test case reaches "${port}": create one`}
              onClick={() => coverage.onPort(node.id, port)}
              data-testid={`uncovered-${node.id}-${port}`}
            >
              ○
            </button>
          )}
          <span>{port}</span>
          <Handle
            type="source"
            position={Position.Right}
            id={port}
            className={port === 'error' ? 'fb-handle error' : 'fb-handle'}
            data-testid={`port-${node.id}-out-${port}`}
          />
        </div>
      ))}
    </div>
  )
}

export const FlowNodeView = memo(FlowNodeViewImpl)
