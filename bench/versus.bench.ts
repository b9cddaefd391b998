/**
 * `npm run bench -- --only versus`: the 10-node benchmark flow in Flowbench and the same
 * steps built from Node-RED's own nodes (change, switch, template), in one process, in turns,
 * printing both rates and their ratio. The sides run in short slices in turn, so a machine
 * shared with other work slows both alike.
 *
 * Node-RED is not a dependency of the app: the first run installs node-red@4 from the npm
 * registry into a folder under the system's temporary directory (v5 needs Node 22) and later
 * runs reuse it. What each side does is written in README.md ("Benchmarks").
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import { Engine } from '../src-main/engine/runner'
import { MemoryStateStore } from '../src-main/engine/state-store'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { benchEvent, tenNodeFlow } from './engine.bench'
import type { BenchCase } from './harness'

const NODE_RED = 'node-red@4'
/** Each side runs ROUNDS slices of SLICE_MS, in turn: about four seconds each in all. */
const ROUNDS = 10
const SLICE_MS = 400
const BATCH = 500

/** The folder node-red@4 is installed in, installing it on first use. */
function nodeRedFolder(): string {
  const dir = path.join(os.tmpdir(), 'flowbench-bench-node-red-4')
  if (!existsSync(path.join(dir, 'node_modules', 'node-red', 'package.json'))) {
    mkdirSync(dir, { recursive: true })
    process.stderr.write(`installing ${NODE_RED} into ${dir} (once)…\n`)
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    execFileSync(
      npm,
      ['install', '--prefix', dir, NODE_RED, '--no-audit', '--no-fund', '--loglevel=error'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    )
  }
  return dir
}

/**
 * The benchmark flow's steps as Node-RED nodes. Messages are sent into the first node (there
 * is no inject node); arithmetic is a JSONata change rule, as Node-RED users write it.
 */
function nodeRedFlow(): Record<string, unknown>[] {
  // Node ids that equal a property value would be read as config-node references: hence nr-.
  const tab = 'nr-bench'
  const set = (p: string, to: string, tot: string) => ({ t: 'set', p, pt: 'msg', to, tot })
  const change = (id: string, rules: unknown[], next: string | null) => ({
    id: `nr-${id}`,
    type: 'change',
    z: tab,
    rules,
    wires: [next ? [`nr-${next}`] : []],
  })
  const gt = (id: string, property: string, rule: string, value: string, next: string) => ({
    id: `nr-${id}`,
    type: 'switch',
    z: tab,
    property,
    propertyType: 'msg',
    rules: [{ t: rule, v: value, vt: 'num' }],
    checkall: 'true',
    repair: false,
    outputs: 1,
    wires: [[`nr-${next}`]],
  })
  return [
    { id: tab, type: 'tab', label: 'bench' },
    change(
      'total',
      [set('total', 'payload.properties.total', 'msg'), set('currency', 'EUR', 'str')],
      'big',
    ),
    gt('big', 'payload.properties.total', 'gt', '100', 'sku'),
    change('sku', [set('sku', 'payload.properties.sku', 'msg')], 'count'),
    change('count', [set('orders', '($exists(orders) ? orders : 0) + 1', 'jsonata')], 'spend'),
    change(
      'spend',
      [set('spent', '($exists(spent) ? spent : 0) + payload.properties.total', 'jsonata')],
      'loyal',
    ),
    gt('loyal', 'orders', 'gte', '1', 'tier'),
    change(
      'tier',
      [set('tier', 'gold', 'str'), set('discount', 'total * 0.1', 'jsonata')],
      'message',
    ),
    {
      id: 'nr-message',
      type: 'template',
      z: tab,
      field: 'message',
      fieldType: 'msg',
      format: 'handlebars',
      syntax: 'mustache',
      template: 'Order {{sku}}: {{total}} {{currency}}, discount {{discount}}',
      output: 'str',
      wires: [['nr-last']],
    },
    change('last', [set('lastSku', 'sku', 'msg')], null),
  ]
}

interface NodeRed {
  init(settings: Record<string, unknown>): void
  start(): Promise<void>
  stop(): Promise<void>
  runtime: {
    flows: {
      setFlows(options: { flows: { flows: unknown[] }; deploymentType?: string }): Promise<unknown>
    }
  }
  nodes: { getNode(id: string): { receive(msg: unknown): void } | null }
  hooks: { add(name: string, hook: (event: { node: { id: string } }) => void): void }
}

interface Side {
  /** Handles events for about `ms` of wall time; returns how many and the process CPU time spent. */
  slice(ms: number): Promise<Slice>
  close(): Promise<void>
}

interface Slice {
  count: number
  wallMs: number
  cpuMs: number
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

async function timed(ms: number, step: () => Promise<number>): Promise<Slice> {
  const cpu0 = cpuMs()
  const t0 = performance.now()
  let count = 0
  while (performance.now() - t0 < ms) count += await step()
  return { count, wallMs: performance.now() - t0, cpuMs: cpuMs() - cpu0 }
}

async function flowbenchSide(): Promise<Side> {
  const engine = new Engine({
    plugins: PluginRegistry.withBuiltins(),
    store: new MemoryStateStore(),
  })
  const loaded = engine.load(tenNodeFlow())
  const probe = await engine.run(loaded, { event: benchEvent(0), trace: 'summary' })
  if (probe.status !== 'succeeded' || probe.nodes.some((n) => n.status !== 'ok'))
    throw new Error('the benchmark flow did not run every node')
  let i = 0
  const step = async () => {
    for (let k = 0; k < BATCH; k++)
      await engine.run(loaded, { event: benchEvent(i++), trace: 'summary' })
    return BATCH
  }
  return { slice: (ms) => timed(ms, step), close: async () => {} }
}

async function nodeRedSide(): Promise<Side> {
  const require = createRequire(path.join(nodeRedFolder(), 'package.json'))
  const RED = require('node-red') as NodeRed
  const userDir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-nr-user-'))
  RED.init({
    userDir,
    httpAdminRoot: false,
    httpNodeRoot: false,
    disableEditor: true,
    credentialSecret: false,
    logging: { console: { level: 'error', metrics: false, audit: false } },
    editorTheme: { tours: false },
  })
  await RED.start()
  const close = async () => {
    await RED.stop()
    rmSync(userDir, { recursive: true, force: true })
  }
  try {
    await RED.runtime.flows.setFlows({ flows: { flows: nodeRedFlow() }, deploymentType: 'full' })
    let first = RED.nodes.getNode('nr-total')
    for (let i = 0; !first && i < 100; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20))
      first = RED.nodes.getNode('nr-total')
    }
    if (!first) throw new Error('Node-RED did not start the benchmark flow')
    const entry = first
    let completed = 0
    let waiting: { count: number; resolve: () => void } | null = null
    RED.hooks.add('onComplete', (event) => {
      if (event.node.id !== 'nr-last') return
      completed++
      if (waiting && completed >= waiting.count) {
        const done = waiting.resolve
        waiting = null
        done()
      }
    })
    let sent = 0
    const step = async () => {
      for (let i = 0; i < BATCH; i++) entry.receive({ payload: benchEvent(sent++) })
      await new Promise<void>((resolve) => {
        if (completed >= sent) return resolve()
        waiting = { count: sent, resolve }
      })
      return BATCH
    }
    return { slice: (ms) => timed(ms, step), close }
  } catch (error) {
    await close()
    throw error
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10

export const versusBench: BenchCase = {
  group: 'versus',
  onlyWhenAsked: true,
  async run() {
    const flowbench = await flowbenchSide()
    const nodeRed = await nodeRedSide()
    try {
      // Warm-up, then slices in turn, so a machine shared with other work slows both alike.
      await flowbench.slice(300)
      await nodeRed.slice(300)
      const totals = {
        flowbench: { count: 0, wallMs: 0, cpuMs: 0 },
        nodeRed: { count: 0, wallMs: 0, cpuMs: 0 },
      }
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, side] of [
          ['flowbench', flowbench],
          ['nodeRed', nodeRed],
        ] as const) {
          const slice = await side.slice(SLICE_MS)
          totals[name].count += slice.count
          totals[name].wallMs += slice.wallMs
          totals[name].cpuMs += slice.cpuMs
        }
      }
      const rate = (t: Slice) => (t.count / t.wallMs) * 1000
      const perCpu = (t: Slice) => (t.count / t.cpuMs) * 1000
      const version = NODE_RED.slice(NODE_RED.indexOf('@') + 1)
      const fb = rate(totals.flowbench)
      const nr = rate(totals.nodeRed)
      return [
        {
          name: 'Flowbench: 10-node flow, trace summary, in memory',
          value: Math.round(fb),
          unit: 'events/s',
        },
        {
          name: `Node-RED ${version}: the same steps from change, switch, template nodes`,
          value: Math.round(nr),
          unit: 'msg/s',
        },
        {
          name: 'Flowbench ÷ Node-RED',
          value: round1(fb / nr),
          unit: '×',
          target: { value: 10, better: 'higher' },
        },
        // Node-RED hands each message on through the event loop, idle between hops: per second
        // of CPU time it does relatively more than per second of wall time.
        {
          name: 'Flowbench ÷ Node-RED, per second of CPU time',
          value: round1(perCpu(totals.flowbench) / perCpu(totals.nodeRed)),
          unit: '×',
        },
      ]
    } finally {
      await nodeRed.close()
    }
  },
}
