/**
 * Attack: Python code reaches the host's JavaScript through Pyodide's internal `_pyodide_core`
 * module. `to_js([])` is a host Array, so its prototype chain yields the host's `Object`; a getter
 * for `process` on `Object.prototype` then receives `globalThis` when Emscripten reads `process`
 * (os.getuid() does), and `globalThis.Function` compiles host JavaScript that writes a file and
 * spawns a shell. Nothing of that may reach the host: no file written, no process started.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import codePython from '../../plugins/code.python'
import { permissionFlags } from '../../plugins/code.python/host'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { runNode } from '../fixtures/run-node'

const COLD = 60_000

const plugins = PluginRegistry.withBuiltins()
if (!plugins.get('code.python')) plugins.register(codePython, 'user')
const engine = new Engine({ plugins })

const dir = mkdtempSync(path.join(tmpdir(), 'flowbench-py-escape-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** The exploit as found: the host JavaScript it runs writes `written` and spawns a shell that writes `spawned`. */
const EXPLOIT = String.raw`
import _pyodide_core as core
Object_ = core.to_js([]).__proto__.__proto__.constructor
marker_file = payload["properties"]["written"]
marker_proc = payload["properties"]["spawned"]
source = (
    "const g = this; delete Object.prototype.process;"
    + "g.Function('w', 'p', 'return import(\"node:fs\").then(fs => fs.writeFileSync(w, \"pwned\"))"
    + ".then(() => import(\"node:child_process\")).then(cp => cp.execSync(\"echo pwned > \" + p))')"
    + "(" + repr(marker_file) + "," + repr(marker_proc) + ");"
    + "return g.process"
)
def getter(this, *args):
    return this.Function(source).call(this)
descriptor = Object_.fromEntries(core.to_js([["get", core.create_proxy(getter, capture_this=True)], ["configurable", True]]))
Object_.defineProperty(Object_.prototype, "process", descriptor)
import os
try:
    os.getuid()
except BaseException:
    pass
return "ran"
`

/** The host code the exploit starts is asynchronous (dynamic imports): give it time to land. */
async function settled(files: string[]): Promise<void> {
  const until = Date.now() + 3000
  while (Date.now() < until && !files.every((file) => existsSync(file)))
    await new Promise((resolve) => setTimeout(resolve, 50))
}

describe('code.python host escape through _pyodide_core', () => {
  it(
    'writes no file and starts no process on the host',
    async () => {
      const written = path.join(dir, 'written')
      const spawned = path.join(dir, 'spawned')
      await runNode(
        engine,
        'code.python',
        { code: EXPLOIT, timeoutMs: 20_000 },
        {
          event: { type: 'x', properties: { written, spawned } },
          nodeId: 'py',
        },
      )
      await settled([written, spawned])
      expect(existsSync(written)).toBe(false)
      expect(existsSync(spawned)).toBe(false)
    },
    COLD,
  )
})

/**
 * The boundary itself: JavaScript running inside a sandbox process (as if Python had reached it)
 * can neither write a file nor start a process or thread, and sees no host environment.
 */
describe('the Python sandbox process boundary', () => {
  it('refuses file writes, processes and threads to code inside the sandbox process', () => {
    const written = path.join(dir, 'inside')
    const script = `
      const results = {}
      const attempt = (name, run) => { try { run(); results[name] = 'allowed' } catch (e) { results[name] = e.code ?? e.message } }
      attempt('write', () => require('node:fs').writeFileSync(${JSON.stringify(written)}, 'x'))
      attempt('spawn', () => require('node:child_process').execSync('echo x > ${written}-spawned'))
      attempt('worker', () => new (require('node:worker_threads').Worker)('1', { eval: true }))
      results.env = Object.keys(process.env).filter((k) => k !== 'NODE_CHANNEL_FD')
      console.log(JSON.stringify(results))
    `
    const child = spawnSync(process.execPath, [...permissionFlags([]), '-e', script], {
      env: {},
      encoding: 'utf8',
    })
    const results = JSON.parse(child.stdout) as Record<string, unknown>
    expect(results).toEqual({
      write: 'ERR_ACCESS_DENIED',
      spawn: 'ERR_ACCESS_DENIED',
      worker: 'ERR_ACCESS_DENIED',
      env: [],
    })
    expect(existsSync(written)).toBe(false)
    expect(existsSync(`${written}-spawned`)).toBe(false)
  })
})
