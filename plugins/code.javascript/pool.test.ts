import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { InstanceOptions } from './pool'
import { Instance, JsWorkerPool } from './pool'

/** A state input with only the payload set: the other parts are empty lines. */
function payloadInput(payload: unknown): string {
  return ['', '', '', '', '', '', JSON.stringify(payload)].join('\n')
}

const STUCK_IN_BUILTIN = 'return Array.prototype.indexOf.call({ length: 2 ** 40 }, 1)'

function instance(code: string, options: Partial<InstanceOptions> = {}): Instance {
  return new Instance({ code, ports: ['payload'], timeoutMs: 1000, memoryMb: 64, ...options })
}

const pools: JsWorkerPool[] = []
function newPool(maxWorkers: number): JsWorkerPool {
  const pool = new JsWorkerPool(maxWorkers)
  pools.push(pool)
  return pool
}

afterEach(() => {
  for (const pool of pools.splice(0)) pool.shutdown()
})

describe('the JavaScript worker pool', () => {
  it("keeps an instance's compiled code and globals between calls", async () => {
    const pool = newPool(1)
    const doubler = instance(
      'globalThis.calls = (globalThis.calls || 0) + 1\nreturn [payload * 2, calls]',
    )
    await pool.open(doubler)
    const answers = []
    for (let i = 1; i <= 3; i++)
      answers.push(await pool.call(doubler, payloadInput(i), new AbortController().signal))
    expect(answers.map((answer) => JSON.parse(answer.output!).r)).toEqual([
      [2, 1],
      [4, 2],
      [6, 3],
    ])
  })

  it('passes inputs and results larger than the shared areas', async () => {
    const pool = newPool(1)
    const echo = instance('return [payload.length, payload]')
    await pool.open(echo)
    const big = 'é'.repeat(300_000)
    const answer = await pool.call(echo, payloadInput(big), new AbortController().signal)
    expect(JSON.parse(answer.output!).r).toEqual([300_000, big])
  })

  it('reports a syntax error when the code is opened', async () => {
    const pool = newPool(1)
    await expect(pool.open(instance('return = 1'))).rejects.toMatchObject({ code: 'code-error' })
  })

  it('retries the calls queued behind a call whose worker it ended, on a fresh worker', async () => {
    // One worker, so the second instance's call has to queue behind the stuck one.
    const pool = newPool(1)
    const stuck = instance(STUCK_IN_BUILTIN, { timeoutMs: 200 })
    const other = instance('return payload + 1')
    await pool.open(stuck)
    await pool.open(other)
    const signal = new AbortController().signal
    const stuckCall = Promise.resolve(pool.call(stuck, payloadInput(null), signal))
    const otherCall = Promise.resolve(pool.call(other, payloadInput(41), signal))
    await expect(stuckCall).rejects.toMatchObject({ code: 'timeout' })
    const answer = await otherCall
    expect(answer.failure).toBeNull()
    expect(JSON.parse(answer.output!)).toEqual({ e: [], r: 42 })
  })

  it('stops a call stuck in a built-in when its run is cancelled', async () => {
    const pool = newPool(1)
    const stuck = instance(STUCK_IN_BUILTIN, { timeoutMs: 30_000 })
    await pool.open(stuck)
    const controller = new AbortController()
    const started = performance.now()
    const call = Promise.resolve(pool.call(stuck, payloadInput(null), controller.signal))
    setTimeout(() => controller.abort(), 100)
    await expect(call).rejects.toThrow('The run was cancelled')
    expect(performance.now() - started).toBeLessThan(5000)
    // The instance reopens on a fresh worker.
    const controllerless = new AbortController().signal
    const again = instance('return payload')
    await pool.open(again)
    expect(JSON.parse((await pool.call(again, payloadInput(7), controllerless)).output!).r).toBe(7)
  })

  it('stops ordinary code cooperatively when its run is cancelled', async () => {
    const pool = newPool(1)
    const looping = instance('while (true) {}', { timeoutMs: 30_000 })
    await pool.open(looping)
    const controller = new AbortController()
    const call = Promise.resolve(pool.call(looping, payloadInput(null), controller.signal))
    setTimeout(() => controller.abort(), 50)
    expect((await call).failure).toEqual(['cancelled', 'The run was cancelled'])
    const next = instance('return payload')
    await pool.open(next)
    const answer = await pool.call(next, payloadInput(3), new AbortController().signal)
    expect(JSON.parse(answer.output!).r).toBe(3)
  })

  it('lets the process exit while its workers are idle', () => {
    const script = fileURLToPath(new URL('../../test/fixtures/js-sandbox-exit.ts', import.meta.url))
    const runTs = fileURLToPath(new URL('../../bin/run-ts.js', import.meta.url))
    const started = performance.now()
    const child = spawnSync(process.execPath, [runTs, script], {
      encoding: 'utf8',
      timeout: 10_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.trim()).toBe('42')
    expect(child.status).toBe(0)
    expect(performance.now() - started).toBeLessThan(10_000)
  })
})
