/**
 * What a run needs per node and per edge of its flow — deliveries, node contexts and actions,
 * node outputs — kept in arrays the size of the plan. Runs of one loaded flow take a frame
 * from the plan's pool and give it back when they end, so a stream of events allocates them
 * once; runs that overlap (one awaits while the next starts) each hold their own.
 */
import type { PluginAction, RunState } from '../../src-shared/plugin-sdk'
import { Deliveries } from './deliveries'
import type { NodeContext } from './node-context'
import type { RunPlan } from './plan'

/** An output slot nothing was sent on in this run. */
const UNSET: unknown = Symbol('unset')

/** More frames than this are left to the garbage collector: a burst of concurrent runs does not pin memory. */
const POOL_LIMIT = 16

export class RunFrame {
  readonly deliveries: Deliveries
  /** Per node index: its context and action, made at its first invocation in the run. */
  readonly contexts: (NodeContext | undefined)[]
  readonly actions: (PluginAction | undefined)[]
  /** Per node index: its node-level context (`node`), made when first used. */
  readonly nodeObjects: (Record<string, unknown> | undefined)[]
  /** Whether a context, action or node object was set: most runs of reusable plugins set none. */
  perNodeUsed = false
  /** Per output slot (a node's port, plan.slots): the last value sent on it. */
  private readonly outputs: unknown[]
  /** Slots in the order they were first sent on (the key order of `nodes` and its `outputs`): the first `sentCount`. */
  private readonly sent: number[] = []
  private sentCount = 0

  constructor(private readonly plan: RunPlan) {
    const nodeCount = plan.order.length
    this.deliveries = new Deliveries(plan)
    this.contexts = new Array<NodeContext | undefined>(nodeCount).fill(undefined)
    this.actions = new Array<PluginAction | undefined>(nodeCount).fill(undefined)
    this.nodeObjects = new Array<Record<string, unknown> | undefined>(nodeCount).fill(undefined)
    this.outputs = new Array<unknown>(plan.slots.length).fill(UNSET)
  }

  static take(plan: RunPlan): RunFrame {
    return plan.frames.pop() ?? new RunFrame(plan)
  }

  /** Gives the frame back once its run has ended: nothing of the run stays reachable from it. */
  release(): void {
    this.deliveries.reset()
    if (this.perNodeUsed) {
      for (let i = 0; i < this.contexts.length; i++) {
        this.contexts[i] = undefined
        this.actions[i] = undefined
        this.nodeObjects[i] = undefined
      }
      this.perNodeUsed = false
    }
    const sent = this.sent
    for (let i = 0; i < this.sentCount; i++) this.outputs[sent[i]!] = UNSET
    this.sentCount = 0
    if (this.plan.frames.length < POOL_LIMIT) this.plan.frames.push(this)
  }

  nodeObject(nodeIndex: number): Record<string, unknown> {
    let object = this.nodeObjects[nodeIndex]
    if (!object) {
      object = this.nodeObjects[nodeIndex] = {}
      this.perNodeUsed = true
    }
    return object
  }

  /** A node sent a value on a port: `nodes[nodeId].outputs[port]` reads it from now on. */
  setOutput(slot: number, value: unknown): void {
    if (this.outputs[slot] === UNSET) this.sent[this.sentCount++] = slot
    this.outputs[slot] = value
  }

  /** The node outputs as plugins and expressions see them (`nodes.check.outputs.true`). */
  nodeOutputs(): RunState['nodes'] {
    const nodes: RunState['nodes'] = {}
    const slots = this.plan.slots
    for (let i = 0; i < this.sentCount; i++) {
      const slot = this.sent[i]!
      const { nodeId, port } = slots[slot]!
      const entry = (nodes[nodeId] ??= { outputs: {} })
      entry.outputs[port] = this.outputs[slot]
    }
    return nodes
  }
}
