/**
 * Attack: QuickJS checks its interrupt handler between bytecodes, never inside a built-in, so
 * `Array.prototype.indexOf.call({ length: 2 ** 40 }, 1)` ran for hours under a 1,000 ms limit
 * and, on the host's main thread, stalled everything else (`/healthz` in `flowbench serve`).
 * The lengths below take several seconds each without a hard limit (hours at 2 ** 40), so this
 * file fails in bounded time on a build without the fix instead of hanging.
 */
import { createServer, get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import codeJavascript from '../../plugins/code.javascript'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { runNode } from '../fixtures/run-node'

const plugins = PluginRegistry.withBuiltins()
if (!plugins.get('code.javascript')) plugins.register(codeJavascript, 'user')
const engine = new Engine({ plugins })

const TIME_LIMIT_MS = 1000
/** How late the host may answer an HTTP request while the attack runs. */
const ANSWER_BUDGET_MS = 50
/**
 * The longest the event loop may go without a tick. Looser than the answer budget because an
 * overloaded test machine alone delays an idle process's timers by up to a few hundred
 * milliseconds; without the fix the loop stands still for seconds.
 */
const STALL_BUDGET_MS = 500

/** Built-ins that loop in C without reaching QuickJS's interrupt check: search, sort, build. */
const ATTACKS = {
  'indexOf over a huge array-like': 'return Array.prototype.indexOf.call({ length: 2 ** 28 }, 1)',
  'sorting a huge sparse array': 'const a = []\na[2 ** 27] = 1\nreturn a.sort().length',
  'joining a huge array-like': "return Array.prototype.join.call({ length: 2 ** 28 }, '').length",
}

const server = createServer((_request, response) => response.end('ok'))
let port = 0

function ping(): Promise<number> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/healthz', agent: false }, (response) => {
      response.resume()
      response.on('end', () => resolve(performance.now() - started))
    }).on('error', reject)
  })
}

/** Watches the host's event loop: the longest gap between ticks of a 10 ms interval. */
function watchLoop(): { stop(): number } {
  let last = performance.now()
  let worst = 0
  const timer = setInterval(() => {
    const now = performance.now()
    worst = Math.max(worst, now - last - 10)
    last = now
  }, 10)
  return {
    stop() {
      clearInterval(timer)
      return worst
    },
  }
}

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  port = (server.address() as AddressInfo).port
  await ping()
  // The sandbox is warm, as in a served deployment that has run flows before.
  await runNode(engine, 'code.javascript', { code: 'return 1' })
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

describe('a built-in that loops for hours under a JavaScript node', () => {
  for (const [name, code] of Object.entries(ATTACKS)) {
    it(`ends at the time limit and leaves the host answering: ${name}`, async () => {
      const loop = watchLoop()
      const started = performance.now()
      const attack = runNode(engine, 'code.javascript', { code, timeoutMs: TIME_LIMIT_MS })
      // Another flow's code node, started while the attack runs, still gets its answer.
      const other = runNode(
        engine,
        'code.javascript',
        { code: 'return payload.properties.total * 2' },
        { event: { properties: { total: 21 } } },
      )
      await new Promise((resolve) => setTimeout(resolve, 300))
      const healthz = await ping()
      const { report, node } = await attack
      const elapsed = performance.now() - started
      const worstStall = loop.stop()

      expect(report.status).toBe('failed')
      expect(node.error).toMatchObject({ code: 'timeout' })
      expect(node.error!.message).toContain(`${TIME_LIMIT_MS} ms`)
      expect(elapsed).toBeLessThan(TIME_LIMIT_MS + 1500)
      expect(healthz).toBeLessThan(ANSWER_BUDGET_MS)
      expect(worstStall).toBeLessThan(STALL_BUDGET_MS)
      const { node: otherNode } = await other
      expect(otherNode.outputs).toEqual([{ port: 'payload', value: 42 }])

      const next = await runNode(engine, 'code.javascript', { code: 'return [1, 2].length' })
      expect(next.node.outputs).toEqual([{ port: 'payload', value: 2 }])
    }, 60_000)
  }
})
