/**
 * A JSONata expression in a flow (data.transform) may carry a regex literal; with V8's engine a
 * catastrophic one such as /(a+)+$/ on a short field held the runner's thread indefinitely.
 * Regexes in JSONata run on the linear engine, with the results JSONata users expect.
 */
import { describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { runNode } from '../fixtures/run-node'

const engine = new Engine({ plugins: PluginRegistry.withBuiltins() })

describe('regexes in data.transform', () => {
  it('a catastrophic regex literal answers at once', async () => {
    // Warm: the first run compiles JSONata and loads the regex engine.
    await runNode(
      engine,
      'data.transform',
      { expression: '$contains("aaa", /(a+)+$/)' },
      { event: {} },
    )
    const started = performance.now()
    const { node } = await runNode(
      engine,
      'data.transform',
      { expression: '$contains(event.properties.name, /(a+)+$/)' },
      { event: { properties: { name: 'a'.repeat(5000) + '!' } } },
    )
    expect(performance.now() - started).toBeLessThan(50)
    expect(node.status).toBe('ok')
    expect(node.outputs[0]?.value).toBe(false)
  })

  it('regex functions still work: match, replace, split, flags', async () => {
    const { node } = await runNode(
      engine,
      'data.transform',
      {
        expression:
          '{ "m": $match("a1b22c333", /\\d+/).match, "r": $replace("Hello World", /o/i, "0"), "s": $split("a, b,c", /,\\s*/), "i": $contains("ABC", /b/i) }',
      },
      { event: {} },
    )
    expect(node.status).toBe('ok')
    expect(node.outputs[0]?.value).toEqual({
      m: ['1', '22', '333'],
      r: 'Hell0 W0rld',
      s: ['a', 'b', 'c'],
      i: true,
    })
  })

  it('a regex the linear engine cannot run fails the node, saying why', async () => {
    const { node } = await runNode(
      engine,
      'data.transform',
      { expression: '$contains("aa", /(a)\\1/)' },
      { event: {} },
    )
    expect(node.status).toBe('error')
    expect(node.error?.message).toMatch(/linear-time engine/)
  })
})
