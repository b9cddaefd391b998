/**
 * Attack 5: comparing a long string field with a number went through a regular expression that
 * backtracked quadratically, so one 80 KB webhook body froze `serve` for 21 s. The comparison
 * must cost time linear in the text, and still read numeric text the way it did.
 */
import { describe, expect, it } from 'vitest'
import { buildFlow } from '../fixtures/flows'
import { testRegistry } from '../fixtures/plugins'
import { Engine } from '../../src-main/engine/runner'
import { compare, isNumericString, toNumber } from '../../src-shared/expr/values'

const hostile = [
  '1'.repeat(80_000) + 'x',
  ' '.repeat(80_000) + '1 x',
  '1.' + '1'.repeat(80_000) + 'e',
]

describe('numeric text in the expression language', () => {
  it('a flow comparing an 80 KB field with a number answers at once', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'check',
          'flow.if',
          { condition: 'event.properties.code > 5 || event.properties.code == 7' },
        ],
      ],
      ['start.payload -> check'],
    )
    const engine = new Engine({ plugins: testRegistry() })
    const loaded = engine.load(flow)
    await engine.run(loaded, { event: { properties: { code: '12' } } })
    for (const code of hostile) {
      const started = performance.now()
      const report = await engine.run(loaded, { event: { properties: { code } } })
      // Before the fix each of these took seconds; the event loop must be back within 50 ms.
      expect(performance.now() - started).toBeLessThan(50)
      expect(report.status).toBe('succeeded')
      expect(report.nodes.find((n) => n.nodeId === 'check')?.outputs[0]?.port).toBe('false')
    }
  })

  it('still reads numeric text as Number() does', () => {
    for (const text of ['1', ' 12 ', '-3.5', '+.5', '1.', '1e3', '2E-2', '\t7\n']) {
      expect(isNumericString(text), text).toBe(true)
      expect(toNumber(text)).toBe(Number(text))
    }
    for (const text of [
      '',
      ' ',
      '.',
      '-',
      '1e',
      '1e+',
      '1x',
      'x1',
      '1 2',
      '0x10',
      'Infinity',
      '1..2',
    ]) {
      expect(isNumericString(text), text).toBe(false)
    }
    expect(compare(10, '9')).toBeGreaterThan(0)
    expect(compare('10', 9)).toBeGreaterThan(0)
    for (const text of hostile) expect(compare(5, text)).toBeNull()
  })
})
