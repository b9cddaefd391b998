import { describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { runTestTemplate } from '../../src-main/plugins-host/test-template'
import { validateFlow } from '../../src-shared/flow/validate'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import codeJavascript from './index'

function registry(): PluginRegistry {
  const plugins = PluginRegistry.withBuiltins()
  if (!plugins.get('code.javascript')) plugins.register(codeJavascript, 'user')
  return plugins
}

const engine = new Engine({ plugins: registry() })

/** Runs `start -> js` with the given code; returns the report and the code node's record. */
async function runCode(
  code: string,
  options: {
    config?: Record<string, unknown>
    event?: Record<string, unknown>
    profile?: Record<string, unknown>
  } = {},
) {
  return runNode(
    engine,
    'code.javascript',
    { code, ...options.config },
    {
      event: options.event ?? { type: 'purchase', properties: { total: 21 } },
      profile: options.profile,
      nodeId: 'js',
    },
  )
}

describe('code.javascript', () => {
  it('passes its own test template and has a valid default config', async () => {
    const plugins = registry()
    expect(await runTestTemplate(plugins.get('code.javascript')!, plugins)).toMatchObject({
      passed: true,
    })
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'js',
          'code.javascript',
          codeJavascript.defaultConfig as unknown as Record<string, unknown>,
        ],
      ],
      ['start.payload -> js'],
    )
    expect(validateFlow(flow, { plugins }).filter((p) => p.severity === 'error')).toEqual([])
  })

  it('sends the return value on payload, and nothing when the code returns undefined', async () => {
    const { report, node } = await runCode('return { total: payload.properties.total * 2 }')
    expect(report.status).toBe('succeeded')
    expect(node.outputs).toEqual([{ port: 'payload', value: { total: 42 } }])

    const nothing = await runCode('const x = 1')
    expect(nothing.node.status).toBe('ok')
    expect(nothing.node.outputs).toEqual([])
  })

  it('emits to named ports and refuses ports the node does not have', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'js',
          'code.javascript',
          {
            code: "emit('high', { n: 1 })\nemit('high', { n: 2 })\nreturn 'done'",
            ports: [{ port: 'high' }],
          },
        ],
        ['after', 'data.set', { values: { 'flow@last': 'payload@n' } }],
      ],
      ['start.payload -> js', 'js.high -> after'],
    )
    const report = await engine.run(engine.load(flow), { event: {} })
    expect(report.status).toBe('succeeded')
    const js = report.nodes.find((n) => n.nodeId === 'js')!
    expect(js.outputs).toEqual([
      { port: 'high', value: { n: 1 } },
      { port: 'high', value: { n: 2 } },
      { port: 'payload', value: 'done' },
    ])
    expect(report.nodes.filter((n) => n.nodeId === 'after')).toHaveLength(2)
    expect(report.state.flow).toEqual({ last: 2 })

    const { report: bad, node } = await runCode("const x = 1\nemit('low', x)")
    expect(bad.status).toBe('failed')
    expect(node.error).toMatchObject({ code: 'unknown-port' })
    expect(node.error!.message).toContain('"low"')
    expect(node.error!.message).toContain('line 2')
  })

  it('carries changes to profile, session, event and flow into the run, keeping ids', async () => {
    const code = [
      "profile.traits.tier = 'gold'",
      "profile.segments.push('vip')",
      "profile.id = 'someone-else'",
      'session.context.seen = true',
      'event.properties.checked = true',
      'delete event.properties.total',
      'flow.total = 42',
      'return null',
    ].join('\n')
    const { report } = await runCode(code, { profile: { id: 'p1', traits: { name: 'Ann' } } })
    expect(report.status).toBe('succeeded')
    expect(report.state.profile).toMatchObject({
      id: 'p1',
      traits: { name: 'Ann', tier: 'gold' },
      segments: ['vip'],
    })
    expect((report.state.session as { context: unknown }).context).toEqual({ seen: true })
    expect((report.state.event as { properties: unknown }).properties).toEqual({ checked: true })
    expect(report.state.flow).toEqual({ total: 42 })
    expect(report.changes.profile).toEqual(
      expect.arrayContaining([
        { op: 'add', path: '/traits/tier', value: 'gold' },
        { op: 'replace', path: '/segments', oldValue: [], value: ['vip'] },
      ]),
    )
    expect(report.changes.event).toEqual(
      expect.arrayContaining([{ op: 'remove', path: '/properties/total', oldValue: 21 }]),
    )
    expect(report.changes.session).toEqual([{ op: 'add', path: '/context/seen', value: true }])
  })

  it('keeps the node context between payloads of one run, and sees earlier nodes', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['loop', 'flow.for-each', { items: 'event.properties.items' }],
        [
          'js',
          'code.javascript',
          {
            code: 'node.count = (node.count || 0) + payload\nreturn { sum: node.count, last: nodes.loop.outputs.item }',
          },
        ],
      ],
      ['start.payload -> loop', 'loop.item -> js'],
    )
    const report = await engine.run(engine.load(flow), {
      event: { properties: { items: [1, 2, 3] } },
    })
    expect(report.status).toBe('succeeded')
    const sums = report.nodes.filter((n) => n.nodeId === 'js').map((n) => n.outputs[0]!.value)
    expect(sums).toEqual([
      { sum: 1, last: 3 },
      { sum: 3, last: 3 },
      { sum: 6, last: 3 },
    ])
  })

  it('writes console output to the node logs at the right level', async () => {
    const { node } = await runCode(
      "console.log('total', payload.properties.total, { a: 1 })\nconsole.info('i')\nconsole.warn('careful')\nconsole.error(new TypeError('bad'))\nconsole.debug('d')",
    )
    expect(node.logs.map((l) => [l.level, l.message])).toEqual([
      ['info', 'total 21 {"a":1}'],
      ['info', 'i'],
      ['warn', 'careful'],
      ['error', 'TypeError: bad'],
      ['debug', 'd'],
    ])
  })

  it('names the line and column of syntax and runtime errors', async () => {
    const syntax = await runCode('const a = 1\nconst b = = 2\nreturn a')
    expect(syntax.report.status).toBe('failed')
    expect(syntax.node.error).toMatchObject({ code: 'code-error' })
    expect(syntax.node.error!.message).toMatch(/^SyntaxError: .*\(line 2, column \d+\)$/)

    const runtime = await runCode('const a = {}\n\n  return a.missing.deeper')
    expect(runtime.node.error).toMatchObject({ code: 'code-error' })
    expect(runtime.node.error!.message).toMatch(/^TypeError: .*\(line 3, column \d+\)$/)

    const thrown = await runCode("if (payload) {\n  throw new RangeError('too big')\n}")
    expect(thrown.node.error!.message).toMatch(/^RangeError: too big \(line 2, column \d+\)$/)

    const value = await runCode("throw { reason: 'x' }")
    expect(value.node.error!.message).toBe('The code threw {"reason":"x"}')
  })

  it('supports await on promises', async () => {
    const { node } = await runCode(
      'const v = await Promise.resolve(payload.properties.total)\nreturn v + 1',
    )
    expect(node.outputs).toEqual([{ port: 'payload', value: 22 }])
    const rejected = await runCode("await null\nthrow new Error('later')")
    expect(rejected.node.error!.message).toMatch(/^Error: later \(line 2/)
  })

  it('refuses results that are not JSON and survives deep recursion', async () => {
    const bigint = await runCode('return 10n')
    expect(bigint.node.error).toMatchObject({ code: 'code-error' })
    expect(bigint.node.error!.message).toContain('cannot be converted to JSON')

    const recursion = await runCode('function f(n) { return f(n + 1) + 1 }\nreturn f(0)')
    expect(recursion.node.error).toMatchObject({ code: 'code-error' })
    expect(recursion.node.error!.message).toContain('stack overflow')
  })

  it('ends an infinite loop at its time limit, and the next run works', async () => {
    const started = performance.now()
    const { report, node } = await runCode('while (true) {}', { config: { timeoutMs: 200 } })
    expect(report.status).toBe('failed')
    expect(node.error).toMatchObject({ code: 'timeout' })
    expect(performance.now() - started).toBeLessThan(1500)
    const catching = await runCode('for (;;) { try { while (true) {} } catch (e) {} }', {
      config: { timeoutMs: 100 },
    })
    expect(catching.node.error).toMatchObject({ code: 'timeout' })
    const next = await runCode('return 1')
    expect(next.node.outputs).toEqual([{ port: 'payload', value: 1 }])
  })

  it('ends a memory bomb at its memory limit, and the next run works', async () => {
    const started = performance.now()
    const bomb = await runCode('const keep = []\nwhile (true) keep.push(new Array(1000).fill(1))', {
      config: { memoryMb: 16, timeoutMs: 10000 },
    })
    expect(bomb.node.error).toMatchObject({ code: 'memory-limit' })
    expect(performance.now() - started).toBeLessThan(5000)
    const big = await runCode("return 'x'.repeat(100 * 1024 * 1024).length", {
      config: { memoryMb: 16 },
    })
    expect(big.node.error).toMatchObject({ code: 'memory-limit' })
    const strings = await runCode("let s = 'x'\nwhile (true) s = s + s", {
      config: { memoryMb: 16, timeoutMs: 10000 },
    })
    expect(strings.node.error?.code).toMatch(/memory-limit|code-error/)
    const next = await runCode('return [1, 2, 3].length')
    expect(next.node.outputs).toEqual([{ port: 'payload', value: 3 }])
  })

  describe('sandbox escapes fail as node errors', () => {
    it('has no require, process, fetch, XMLHttpRequest or module loading', async () => {
      for (const code of [
        "return require('fs')",
        "return require('child_process').execSync('id')",
        'return process.env',
        "return fetch('http://example.com')",
        'return new XMLHttpRequest()',
      ]) {
        const { report, node } = await runCode(code)
        expect(report.status, code).toBe('failed')
        expect(node.error, code).toMatchObject({ code: 'code-error' })
        expect(node.error!.message, code).toMatch(
          /^ReferenceError: '\w+' is not defined \(line 1, column \d+\)$/,
        )
      }
      const types = await runCode(
        'return [typeof require, typeof process, typeof fetch, typeof XMLHttpRequest, typeof WebSocket, typeof setTimeout, typeof std, typeof os, typeof module]',
      )
      expect(types.node.outputs[0]!.value).toEqual(Array(9).fill('undefined'))
    })

    it('cannot import modules, statically or dynamically', async () => {
      const dynamic = await runCode("const fs = await import('fs')\nreturn Object.keys(fs)")
      expect(dynamic.node.error).toMatchObject({ code: 'code-error' })
      expect(dynamic.node.error!.message).toContain("could not load module 'fs'")
      const promised = await runCode("return import('node:child_process')")
      expect(promised.node.error!.message).toContain('could not load module')
      const statically = await runCode("import fs from 'fs'\nreturn fs")
      expect(statically.node.error!.message).toMatch(/^SyntaxError/)
    })

    it('reaches only the sandbox through the Function constructor', async () => {
      const { node } = await runCode(
        "const F = globalThis.constructor.constructor\nreturn [F('return typeof process')(), F('return typeof require')(), typeof F('return this')().process]",
      )
      expect(node.outputs).toEqual([
        { port: 'payload', value: ['undefined', 'undefined', 'undefined'] },
      ])
      const direct = await runCode("return globalThis.constructor.constructor('return process')()")
      expect(direct.node.error!.message).toMatch(/^ReferenceError: 'process' is not defined/)
    })

    it('cannot pollute host prototypes', async () => {
      const code = [
        'Object.prototype.polluted = 1',
        'Array.prototype.polluted = 1',
        'payload.__proto__.viaPayload = 1',
        'profile.traits = JSON.parse(\'{"__proto__": {"polluted": 2}, "ok": 1}\')',
        'return JSON.parse(\'{"__proto__": {"polluted": 3}, "kept": true}\')',
      ].join('\n')
      const { report, node } = await runCode(code)
      expect(report.status).toBe('succeeded')
      const value = node.outputs[0]!.value as Record<string, unknown>
      expect(value).toEqual({ kept: true })
      expect(Object.getPrototypeOf(value)).toBe(Object.prototype)
      expect(Object.getPrototypeOf((report.state.profile as { traits: unknown }).traits)).toBe(
        Object.prototype,
      )
      expect((report.state.profile as { traits: unknown }).traits).toEqual({ ok: 1 })
      const empty: Record<string, unknown> = {}
      expect(empty.polluted).toBeUndefined()
      expect(empty.viaPayload).toBeUndefined()
      expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined()
      // Each run gets a fresh sandbox: the pollution does not carry over either.
      const next = await runCode('return [({}).polluted, [].polluted]')
      expect(next.node.outputs[0]!.value).toEqual([null, null])
    })

    it('cannot break out of the wrapper to escape its limits', async () => {
      const { node } = await runCode('})\nwhile (true) {}\n(function () {', {
        config: { timeoutMs: 200 },
      })
      expect(node.status).toBe('error')
      expect(node.error!.code).toMatch(/timeout|code-error/)
    })
  })
})
