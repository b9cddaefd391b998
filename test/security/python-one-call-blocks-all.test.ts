/**
 * Attack: one slow Python call holds every other Python call of the process (calls were
 * serialised on one interpreter), and the memory limit measured the whole host process, so
 * memory the host itself uses made other flows' small Python calls fail with `memory-limit`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import codePython from '../../plugins/code.python'
import { configurePython, pythonHost } from '../../plugins/code.python/host'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'

const COLD = 60_000

const plugins = PluginRegistry.withBuiltins()
if (!plugins.get('code.python')) plugins.register(codePython, 'user')
const engine = new Engine({ plugins })

function pythonFlow(id: string, code: string, config: Record<string, unknown> = {}) {
  return engine.load(
    buildFlow(
      [
        ['start', 'trigger.manual'],
        ['py', 'code.python', { code, ...config }],
      ],
      ['start.payload -> py'],
      id,
    ),
  )
}

beforeAll(async () => {
  configurePython({ processes: 2 })
  await pythonHost().warmUp()
}, COLD)
afterAll(() => pythonHost().stop())

describe('code.python calls do not depend on each other or on the host', () => {
  it(
    "answers another flow's call while a slow call runs",
    async () => {
      const slow = pythonFlow(
        'slow',
        'import time\nend = time.time() + 3\nwhile time.time() < end:\n    pass\nreturn "slow"',
        { timeoutMs: 20_000 },
      )
      const quick = pythonFlow('quick', 'return "quick"')
      const finished: string[] = []
      const slowRun = engine.run(slow, { event: {} }).then((report) => {
        finished.push('slow')
        return report
      })
      // Let the slow call reach its process first.
      await new Promise((resolve) => setTimeout(resolve, 200))
      const quickReport = await engine.run(quick, { event: {} })
      finished.push('quick')
      expect(quickReport.nodes.find((n) => n.nodeId === 'py')!.outputs).toEqual([
        { port: 'payload', value: 'quick' },
      ])
      expect((await slowRun).status).toBe('succeeded')
      expect(finished).toEqual(['quick', 'slow'])
    },
    COLD,
  )

  it(
    "does not count the host's own memory against a call's memory limit",
    async () => {
      const small = pythonFlow(
        'small',
        'import time\nend = time.time() + 1\nwhile time.time() < end:\n    pass\nreturn len([1] * 1000)',
        { memoryMb: 16, timeoutMs: 20_000 },
      )
      const running = engine.run(small, { event: {} })
      // Meanwhile the host itself takes far more than the call's 16 MB.
      const held: Buffer[] = []
      for (let i = 0; i < 12; i++) {
        held.push(Buffer.alloc(16 * 1024 * 1024, i))
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const report = await running
      expect(held.length).toBe(12)
      expect(report.nodes.find((n) => n.nodeId === 'py')!.status).toBe('ok')
      expect(report.nodes.find((n) => n.nodeId === 'py')!.outputs).toEqual([
        { port: 'payload', value: 1000 },
      ])
    },
    COLD,
  )
})
