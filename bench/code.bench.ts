/** Code node benchmarks (code.javascript, code.python): warm call rates, Python's cold start. */
import codeJavascript from '../plugins/code.javascript'
import codePython from '../plugins/code.python'
import { pythonHost } from '../plugins/code.python/host'
import type {
  PluginAction,
  PluginContext,
  PluginDefinition,
  RunState,
} from '../src-shared/plugin-sdk'
import type { CodeConfig } from '../plugins/code.javascript/code-common'
import { Engine } from '../src-main/engine/runner'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import type { Flow } from '../src-shared/flow/types'
import type { BenchCase, Figure } from './harness'
import { throughput } from './harness'

/** Just enough of a run's context for a code node: the state, a node context, a signal, logs. */
function minimalContext(): PluginContext {
  const state: RunState = {
    event: {
      id: 'e1',
      type: 'purchase',
      source: 'bench',
      time: '2024-01-01T00:00:00.000Z',
      properties: { total: 150, sku: 'SKU-1' },
      context: {},
      profileId: 'p1',
      sessionId: null,
    },
    profile: {
      id: 'p1',
      traits: { orders: 3 },
      segments: ['vip'],
      interests: {},
      consents: {},
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    },
    session: {
      id: 's1',
      profileId: 'p1',
      context: {},
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    },
    flow: {},
    nodes: {},
  }
  const unsupported = (): never => {
    throw new Error('not available in the benchmark context')
  }
  return {
    nodeId: 'code',
    flowId: 'bench-code',
    state,
    node: {},
    payload: undefined,
    signal: new AbortController().signal,
    testing: false,
    log: () => undefined,
    evaluate: unsupported,
    read: unsupported,
    write: unsupported,
    remove: unsupported,
    template: unsupported,
    resolve: unsupported,
    setResult: unsupported,
    runSubflow: unsupported,
  }
}

async function action(
  definition: PluginDefinition<CodeConfig>,
  code: string,
  ctx: PluginContext,
): Promise<{
  run(payload: unknown, ctx: PluginContext): ReturnType<PluginAction['run']>
  close?(): void | Promise<void>
}> {
  const created = definition.create()
  const config = { code }
  await created.setUp?.(config, ctx)
  return {
    run: (payload, context) => created.run(payload, context, config),
    close: () => created.close?.(),
  }
}

function expectDoubled(result: unknown, input: number): void {
  const value = Array.isArray(result)
    ? (result[0] as { value?: { total?: number } } | undefined)?.value
    : undefined
  if (value?.total !== input * 2)
    throw new Error(`benchmark code returned ${JSON.stringify(result)}`)
}

function codeFlow(plugin: string, code: string): Flow {
  return {
    schemaVersion: 1,
    id: `bench-${plugin}`,
    name: `Benchmark: ${plugin}`,
    nodes: [
      { id: 'start', plugin: 'trigger.manual', config: {}, position: { x: 0, y: 0 } },
      { id: 'code', plugin, config: { code }, position: { x: 200, y: 0 } },
    ],
    edges: [
      { id: 'e1', source: 'start', sourcePort: 'payload', target: 'code', targetPort: 'payload' },
    ],
  }
}

export const codeBench: BenchCase = {
  group: 'code',
  async run() {
    const registry = PluginRegistry.withBuiltins()
    for (const plugin of [codeJavascript, codePython])
      if (!registry.get(plugin.id)) registry.register(plugin, 'user')
    const engine = new Engine({ plugins: registry })

    // JavaScript: one sandbox, many calls (setUp once, as within one run).
    const jsCtx = minimalContext()
    const js = await action(codeJavascript, 'return { total: payload.total * 2 }', jsCtx)
    let i = 0
    expectDoubled(await js.run({ total: 21 }, jsCtx), 21)
    const jsWarm = await throughput(() => js.run({ total: i++ }, jsCtx), {
      ms: 2000,
      warmup: 5000,
      batch: 500,
    })
    await js.close?.()

    // Each engine run sets the node up afresh (a new QuickJS context), so this is per-run cost.
    const jsLoaded = engine.load(
      codeFlow('code.javascript', 'return { total: payload.properties.total * 2 }'),
    )
    const jsRuns = await throughput(
      () => engine.run(jsLoaded, { event: { properties: { total: i++ } }, trace: 'summary' }),
      { ms: 1500, warmup: 200, batch: 50 },
    )

    // Python: the first call of the app starts a sandbox process and loads Pyodide.
    pythonHost().stop()
    const pyCtx = minimalContext()
    const coldStart = performance.now()
    const py = await action(codePython, 'return {"total": payload["total"] * 2}', pyCtx)
    expectDoubled(await py.run({ total: 21 }, pyCtx), 21)
    const cold = performance.now() - coldStart
    // Warm calls across the pool: several callers at once, as concurrent runs would be.
    await pythonHost().warmUp()
    const callers = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const ctx = minimalContext()
        return {
          ctx,
          action: await action(codePython, 'return {"total": payload["total"] * 2}', ctx),
        }
      }),
    )
    const pyWarm =
      callers.length *
      (await throughput(
        () => Promise.all(callers.map((caller) => caller.action.run({ total: i++ }, caller.ctx))),
        { ms: 2000, warmup: 200, batch: 50 },
      ))
    for (const caller of [...callers, { action: py }]) await caller.action.close?.()

    const pyLoaded = engine.load(
      codeFlow('code.python', 'return {"total": event["properties"]["total"] * 2}'),
    )
    const pyRuns = await throughput(
      () => engine.run(pyLoaded, { event: { properties: { total: i++ } }, trace: 'summary' }),
      { ms: 1500, warmup: 200, batch: 50 },
    )

    const figures: Figure[] = [
      {
        name: 'code.javascript warm calls (action, minimal ctx)',
        value: Math.round(jsWarm),
        unit: 'calls/s',
        target: { value: 30000, better: 'higher' },
      },
      {
        name: 'code.javascript flow runs (engine, setUp per run)',
        value: Math.round(jsRuns),
        unit: 'runs/s',
      },
      {
        name: 'code.python cold start (first call, action)',
        value: Math.round(cold),
        unit: 'ms',
        target: { value: 2000, better: 'lower' },
      },
      {
        name: 'code.python warm calls (4 callers across the pool, minimal ctx)',
        value: Math.round(pyWarm),
        unit: 'calls/s',
        target: { value: 5000, better: 'higher' },
      },
      { name: 'code.python flow runs (engine)', value: Math.round(pyRuns), unit: 'runs/s' },
    ]
    pythonHost().stop()
    return figures
  },
}
