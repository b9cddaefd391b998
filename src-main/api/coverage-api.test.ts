import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import type { AppContext } from '../app-context'
import { createAppContext } from '../app-context'
import type { WebHost } from '../web-host/server'
import { startWebHost } from '../web-host/server'
import { createApiHandlers } from './handlers'

let app: AppContext
let host: WebHost

beforeAll(async () => {
  app = await createAppContext({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'fb-cov-api-')),
    mode: 'web',
  })
  host = await startWebHost({ handlers: createApiHandlers(app), staticDir: os.tmpdir(), port: 0 })
})
afterAll(async () => {
  await host.close()
  await app.close()
})

/** The API answers as the renderer gets them; their values are checked by shape below. */
type Answer = { ok: boolean; value?: any; error?: { message: string } } // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, arg?: unknown): Promise<Answer> {
  const response = await fetch(`http://127.0.0.1:${host.port}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: arg === undefined ? '' : JSON.stringify(arg),
  })
  return response.json()
}

describe('tests.status', () => {
  it("carries the flow's coverage once the job has finished", async () => {
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['check', 'flow.if', { condition: 'event.properties.total > 100' }],
        ['big', 'data.set', { values: { 'flow@size': 'big' } }],
        ['small', 'data.set', { values: { 'flow@size': 'small' } }],
      ],
      ['start.payload -> check', 'check.true -> big', 'check.false -> small'],
      'covered-api',
    )
    expect(
      (
        await call('flows.create', {
          flow: { ...flow, tests: [{ name: 'big', event: { properties: { total: 500 } } }] },
        })
      ).ok,
    ).toBe(true)
    const job = await call('tests.start', { flowId: 'covered-api' })
    let status
    do status = await call('tests.status', { jobId: job.value.jobId })
    while (status.ok && !status.value.finished)
    expect(status.ok).toBe(true)
    expect(status.value.coverage).toMatchObject({
      flowId: 'covered-api',
      nodes: { percent: 75, uncovered: ['small'] },
      branches: { percent: 50, uncovered: [{ nodeId: 'check', port: 'false' }] },
    })
  })
})
