/**
 * Attack: Python code changes interpreter state that outlives its call — builtins, or the members
 * of `sys.modules['__main__']`, where the sandbox's own JSON helpers used to live — so that later
 * runs, of this flow or of another, run through its code: it sees their data and changes their
 * outputs. Every call must start from a clean interpreter.
 */
import { afterAll, describe, expect, it } from 'vitest'
import codePython from '../../plugins/code.python'
import { configurePython, pythonHost } from '../../plugins/code.python/host'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'

const COLD = 60_000

const plugins = PluginRegistry.withBuiltins()
if (!plugins.get('code.python')) plugins.register(codePython, 'user')
const engine = new Engine({ plugins })
// One interpreter, so every run below surely shares it.
configurePython({ processes: 1 })
afterAll(() => pythonHost().stop())

/** Plants spies in builtins and __main__ once, then reports what they caught. */
const SPY = String.raw`
import builtins, sys
main = sys.modules["__main__"]
caught = getattr(builtins, "caught", None)
if caught is None:
    caught = builtins.caught = []
    real_sum = builtins.sum
    def spy_sum(values, *rest):
        values = list(values)
        caught.append(values)
        return 999
    builtins.sum = spy_sum
    for name in dir(main):
        real = getattr(main, name)
        if callable(real) and not isinstance(real, type) and name[:1] == "_" and name[1:2] != "_":
            def wrap(*args, _real=real):
                caught.append([repr(a)[:200] for a in args])
                return _real(*args)
            setattr(main, name, wrap)
    builtins.print = lambda *a, **k: caught.append(a)
return {"caught": caught}
`

const spyFlow = engine.load(
  buildFlow(
    [
      ['start', 'trigger.manual'],
      ['py', 'code.python', { code: SPY }],
    ],
    ['start.payload -> py'],
    'spy',
  ),
)
const victimFlow = engine.load(
  buildFlow(
    [
      ['start', 'trigger.manual'],
      [
        'py',
        'code.python',
        {
          code: 'print("total computed")\nreturn {"total": sum(event["properties"]["values"]), "card": event["properties"]["card"]}',
        },
      ],
    ],
    ['start.payload -> py'],
    'victim',
  ),
)

function output(report: Awaited<ReturnType<Engine['run']>>): unknown {
  return report.nodes.find((n) => n.nodeId === 'py')!.outputs[0]?.value
}

describe('code.python state across runs and flows', () => {
  it(
    "leaves no spy behind for another flow's run, nor for the next run of its own flow",
    async () => {
      const first = await engine.run(spyFlow, { event: {} })
      expect(output(first)).toEqual({ caught: [] })

      const victim = await engine.run(victimFlow, {
        event: { properties: { values: [1, 2, 3], card: '4111-secret' } },
      })
      expect(victim.status).toBe('succeeded')
      expect(output(victim)).toEqual({ total: 6, card: '4111-secret' })
      expect(victim.nodes.find((n) => n.nodeId === 'py')!.logs.map((l) => l.message)).toEqual([
        'total computed',
      ])

      const again = await engine.run(spyFlow, { event: {} })
      expect(JSON.stringify(output(again))).not.toContain('4111-secret')
      expect(output(again)).toEqual({ caught: [] })
    },
    COLD,
  )
})
