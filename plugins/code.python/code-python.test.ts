/**
 * One warm pool of Pyodide processes serves the whole file; only the time and memory limit tests
 * end a process (each costs a restart), so they come last.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { runTestTemplate } from '../../src-main/plugins-host/test-template'
import { validateFlow } from '../../src-shared/flow/validate'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import { pythonHost } from './host'
import codePython from './index'

/** A cold start takes a few seconds, more on a busy machine. */
const COLD = 60_000

function registry(): PluginRegistry {
  const plugins = PluginRegistry.withBuiltins()
  if (!plugins.get('code.python')) plugins.register(codePython, 'user')
  return plugins
}

const engine = new Engine({ plugins: registry() })

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
    'code.python',
    { code, ...options.config },
    {
      event: options.event ?? { type: 'purchase', properties: { total: 21 } },
      profile: options.profile,
      nodeId: 'py',
    },
  )
}

beforeAll(async () => {
  await pythonHost().warmUp()
}, COLD)

describe('code.python', () => {
  it('passes its own test template and has a valid default config', async () => {
    const plugins = registry()
    expect(await runTestTemplate(plugins.get('code.python')!, plugins)).toMatchObject({
      passed: true,
    })
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['py', 'code.python', codePython.defaultConfig as unknown as Record<string, unknown>],
      ],
      ['start.payload -> py'],
    )
    expect(validateFlow(flow, { plugins }).filter((p) => p.severity === 'error')).toEqual([])
  })

  it('sends the return value on payload, and nothing for None', async () => {
    const { report, node } = await runCode(
      'total = payload["properties"]["total"]\nreturn {"total": total * 2, "items": [1, 2.5, None, True, "ü"]}',
    )
    expect(report.status).toBe('succeeded')
    expect(node.outputs).toEqual([
      { port: 'payload', value: { total: 42, items: [1, 2.5, null, true, 'ü'] } },
    ])
    const nothing = await runCode('x = 1')
    expect(nothing.node.status).toBe('ok')
    expect(nothing.node.outputs).toEqual([])
  })

  it('emits to named ports and refuses ports the node does not have', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'py',
          'code.python',
          {
            code: 'for n in (1, 2):\n    emit("high", {"n": n})\nreturn "done"',
            ports: [{ port: 'high' }],
          },
        ],
        ['after', 'data.set', { values: { 'flow@last': 'payload@n' } }],
      ],
      ['start.payload -> py', 'py.high -> after'],
    )
    const report = await engine.run(engine.load(flow), { event: {} })
    expect(report.status).toBe('succeeded')
    expect(report.nodes.find((n) => n.nodeId === 'py')!.outputs).toEqual([
      { port: 'high', value: { n: 1 } },
      { port: 'high', value: { n: 2 } },
      { port: 'payload', value: 'done' },
    ])
    expect(report.state.flow).toEqual({ last: 2 })

    const { node } = await runCode('x = 1\nemit("low", x)')
    expect(node.error).toMatchObject({ code: 'unknown-port' })
    expect(node.error!.message).toContain('"low"')
    expect(node.error!.message).toContain('(line 2)')
  })

  it('carries changes to profile, session, event and flow into the run, keeping ids', async () => {
    const code = [
      'profile["traits"]["tier"] = "gold"',
      'profile["segments"].append("vip")',
      'profile["id"] = "someone-else"',
      'session["context"]["seen"] = True',
      'event["properties"]["checked"] = True',
      'del event["properties"]["total"]',
      'flow["total"] = 42',
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
      expect.arrayContaining([{ op: 'add', path: '/traits/tier', value: 'gold' }]),
    )
    expect(report.changes.event).toEqual(
      expect.arrayContaining([{ op: 'remove', path: '/properties/total', oldValue: 21 }]),
    )
  })

  it('keeps the node context between payloads of one run', async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['loop', 'flow.for-each', { items: 'event.properties.items' }],
        [
          'py',
          'code.python',
          { code: 'node["count"] = node.get("count", 0) + payload\nreturn node["count"]' },
        ],
      ],
      ['start.payload -> loop', 'loop.item -> py'],
    )
    const report = await engine.run(engine.load(flow), {
      event: { properties: { items: [1, 2, 3] } },
    })
    expect(report.nodes.filter((n) => n.nodeId === 'py').map((n) => n.outputs[0]!.value)).toEqual([
      1, 3, 6,
    ])
  })

  it('writes print output to the node logs (stderr as warnings)', async () => {
    const { node } = await runCode(
      'import sys\nprint("total", payload["properties"]["total"])\nprint("careful", file=sys.stderr)\nprint("a\\nb")',
    )
    expect(node.logs.map((l) => [l.level, l.message])).toEqual([
      ['info', 'total 21'],
      ['warn', 'careful'],
      ['info', 'a'],
      ['info', 'b'],
    ])
  })

  it('names the line of syntax and runtime errors', async () => {
    const syntax = await runCode('a = 1\nb = = 2\nreturn a')
    expect(syntax.report.status).toBe('failed')
    expect(syntax.node.error).toMatchObject({ code: 'code-error' })
    expect(syntax.node.error!.message).toMatch(/^SyntaxError: .*\(line 2, column \d+\)$/)

    const runtime = await runCode('a = {}\n\ndef look():\n    return a["missing"]\nreturn look()')
    expect(runtime.node.error).toMatchObject({ code: 'code-error' })
    expect(runtime.node.error!.message).toBe("KeyError: 'missing' (line 4)")

    const text = await runCode('s = """\n  keeps\n   its text"""\nreturn s + str(1 / 0)')
    expect(text.node.error!.message).toBe('ZeroDivisionError: division by zero (line 4)')

    const unsupported = await runCode('yield 1')
    expect(unsupported.node.error!.message).toContain('yield and async are not supported')
  })

  it('refuses results that are not JSON', async () => {
    const { node } = await runCode('import datetime\nreturn datetime.date(2024, 1, 1)')
    expect(node.error).toMatchObject({ code: 'code-error' })
    expect(node.error!.message).toContain('cannot be converted to JSON')
  })

  it('says quickly that a package outside the standard library is not available', async () => {
    const started = performance.now()
    const { node } = await runCode('import json\nimport numpy as np\nreturn 1')
    expect(node.error).toMatchObject({ code: 'code-error' })
    expect(node.error!.message).toBe(
      'Module "numpy" is not available in the Python sandbox (only the standard library is) (line 2)',
    )
    expect(performance.now() - started).toBeLessThan(1000)
    const stdlib = await runCode(
      'import re, math, statistics, hashlib, datetime, decimal\nreturn [math.floor(2.5), statistics.mean([1, 2, 3]), hashlib.sha256(b"x").hexdigest()[:8]]',
    )
    expect(stdlib.node.outputs[0]!.value).toEqual([2, 2, '2d711642'])
  })

  describe('sandbox escapes fail as node errors', () => {
    it('cannot reach JavaScript through Pyodide', async () => {
      for (const code of [
        'import js',
        'import pyodide_js',
        'from pyodide.code import run_js\nrun_js("process")',
        'import pyodide.http',
        'import micropip',
      ]) {
        const { report, node } = await runCode(code)
        expect(report.status, code).toBe('failed')
        expect(node.error!.message, code).toMatch(
          /^Module "[\w.]+" is not available in the Python sandbox/,
        )
      }
      // Pyodide's internals are refused too (defence in depth: the process boundary holds anyway).
      const ctor = await runCode(
        'import _pyodide_core\nObject = _pyodide_core.to_js({}).constructor\nreturn Object.constructor("return process")()',
      )
      expect(ctor.node.error!.message).toContain('not available in the Python sandbox')
    })

    it('cannot run processes, open sockets or load native code', async () => {
      const cases: [string, RegExp][] = [
        [
          'import os\nos.system("id")',
          /^PermissionError: os.system is not available in the Python sandbox \(line 2\)$/,
        ],
        ['import os\nos.execv("/bin/sh", ["sh"])', /not available in the Python sandbox/],
        ['import subprocess', /^Module "subprocess" is not available/],
        ['import socket', /^Module "socket" is not available/],
        [
          'import urllib.request\nurllib.request.urlopen("http://example.com")',
          /not available in the Python sandbox/,
        ],
        ['import ctypes', /^Module "ctypes" is not available/],
        [
          'import sys\nsys.meta_path.clear()\nimport _socket',
          /not available in the Python sandbox/,
        ],
      ]
      for (const [code, message] of cases) {
        const { report, node } = await runCode(code)
        expect(report.status, code).toBe('failed')
        expect(node.error!.message, code).toMatch(message)
      }
    })

    it('sees an in-memory file system and no host environment', async () => {
      const files = await runCode('open("/etc/passwd").read()')
      expect(files.node.error!.message).toMatch(/^FileNotFoundError: .*\/etc\/passwd.*\(line 1\)$/)
      const listing = await runCode('import os\nreturn sorted(os.listdir("/"))')
      expect(listing.node.outputs[0]!.value).toEqual(['dev', 'home', 'lib', 'proc', 'tmp'])
      const env = await runCode('import os\nreturn dict(os.environ)')
      const seen = env.node.outputs[0]!.value as Record<string, string>
      expect(seen.HOME).toBe('/home/pyodide')
      expect(seen._).toBeUndefined()
      // Emscripten sets these itself; nothing else of the host's environment may show.
      const own = new Set(['USER', 'LOGNAME', 'PATH', 'PWD', 'HOME', 'LANG', '_'])
      for (const name of Object.keys(process.env))
        if (!own.has(name)) expect(seen[name], name).toBeUndefined()
    })
  })

  it(
    'ends an infinite loop at its time limit, and the next run works',
    async () => {
      const started = performance.now()
      const { report, node } = await runCode('while True:\n    pass', {
        config: { timeoutMs: 300 },
      })
      expect(report.status).toBe('failed')
      expect(node.error).toMatchObject({ code: 'timeout' })
      expect(performance.now() - started).toBeLessThan(1500)
      // The next call starts a fresh worker; its time limit counts from when Python is ready.
      const next = await runCode('return 1')
      expect(next.node.outputs).toEqual([{ port: 'payload', value: 1 }])
    },
    COLD * 2,
  )

  it(
    'stops running code when the run is cancelled',
    async () => {
      const flow = buildFlow(
        [
          ['start', 'trigger.manual'],
          ['py', 'code.python', { code: 'while True:\n    pass', timeoutMs: 30000 }],
        ],
        ['start.payload -> py'],
      )
      const controller = new AbortController()
      const started = performance.now()
      setTimeout(() => controller.abort(), 300)
      const report = await engine.run(engine.load(flow), { event: {}, signal: controller.signal })
      expect(report.status).toBe('cancelled')
      expect(performance.now() - started).toBeLessThan(2000)
    },
    COLD,
  )

  it(
    'ends a memory bomb at its memory limit, and the next run works',
    async () => {
      const started = performance.now()
      const { node } = await runCode('keep = []\nwhile True:\n    keep.append(" " * 1000000)', {
        config: { memoryMb: 32, timeoutMs: 20000 },
      })
      expect(node.error).toMatchObject({ code: 'memory-limit' })
      expect(performance.now() - started).toBeLessThan(5000)
      const next = await runCode('return 2')
      expect(next.node.outputs).toEqual([{ port: 'payload', value: 2 }])
      const huge = await runCode('return len(" " * (1500 * 1024 ** 2))', {
        config: { timeoutMs: 20000 },
      })
      expect(huge.node.error).toMatchObject({ code: 'memory-limit' })
    },
    COLD * 2,
  )
})
