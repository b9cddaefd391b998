/**
 * A known secret used by a flow — run, tested, deployed, exported, made to fail — appears in no
 * API answer, no bundle byte and nowhere in the database files. Values are write-only.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import type { AppContext } from '../app-context'
import { createAppContext } from '../app-context'
import type { WebHost } from '../web-host/server'
import { startWebHost } from '../web-host/server'
import { createApiHandlers } from './handlers'

const VALUE = 'crm-key-4f1c9e2b7a'
let app: AppContext
let host: WebHost
let dataDir: string
const answers: string[] = []

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-secrets-api-'))
  app = await createAppContext({ dataDir, mode: 'web' })
  host = await startWebHost({ handlers: createApiHandlers(app), staticDir: os.tmpdir(), port: 0 })
})
afterAll(async () => {
  await host.close()
  await app.close()
})

/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
async function call(
  method: string,
  arg?: unknown,
): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string } }> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const response = await fetch(`http://127.0.0.1:${host.port}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: arg === undefined ? '' : JSON.stringify(arg),
  })
  const text = await response.text()
  answers.push(text)
  return JSON.parse(text)
}

const flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    [
      'call',
      'http.request',
      {
        method: 'POST',
        url: 'https://crm.example.test/orders',
        headers: { Authorization: 'Bearer {{ secrets.crm.apiKey }}' },
      },
    ],
    [
      'note',
      'flow.log',
      { level: 'info', message: 'used {{ secrets.crm.apiKey }} for {{ vars.region }}' },
    ],
    ['keep', 'data.set', { values: { 'profile@traits.lastKey': 'secret@crm.apiKey' } }],
    ['boom', 'flow.throw', { message: 'refused with {{ secrets.crm.apiKey }}' }],
  ],
  [
    'start.payload -> call',
    'call.response -> note',
    'note.payload -> keep',
    'keep.payload -> boom',
  ],
  'crm-sync',
)

describe('secrets over the API', () => {
  it('are write-only: set, list, rename and delete answer names and fields, never values', async () => {
    const set = await call('secrets.set', { name: 'crm', fields: { apiKey: VALUE } })
    expect(set.ok).toBe(true)
    expect(set.value.secrets).toEqual([
      { name: 'crm', environment: null, fields: ['apiKey'], updatedAt: expect.any(String) },
    ])
    expect(
      (await call('environments.save', { name: 'development', vars: { region: 'eu' } })).ok,
    ).toBe(true)
    const bad = await call('secrets.set', { name: 'crm key', fields: { apiKey: 'x' } })
    expect(bad.ok).toBe(false)
    const list = await call('secrets.list')
    expect(list.value.current).toBe('development')
    expect(list.value.environments).toEqual([
      { name: 'development', vars: { region: 'eu' }, current: true },
    ])
  })

  it('the validator names a secret the environment lacks', async () => {
    const created = await call('flows.create', { flow })
    expect(created.ok).toBe(true)
    const other = {
      ...flow,
      id: 'crm-missing',
      nodes: flow.nodes.map((n) =>
        n.id === 'note'
          ? { ...n, config: { level: 'info', message: '{{ secrets.billing.token }}' } }
          : n,
      ),
    }
    await call('flows.create', { flow: other })
    const saved = await call('flows.saveDraft', { id: 'crm-missing', baseVersion: 1, flow: other })
    expect(saved.value.problems).toContainEqual(
      expect.objectContaining({ code: 'unknown-secret', nodeId: 'note' }),
    )
  })

  it('runs, tests, deploys and exports without the value leaving', async () => {
    const mocks = {
      call: { port: 'response', value: { status: 200, headers: {}, body: { ok: true } } },
    }
    const run = await call('flows.run', { id: 'crm-sync', event: { profileId: 'p-1' }, mocks })
    expect(run.ok).toBe(true)
    expect(run.value.status).toBe('failed')
    expect(run.value.errors[0].message).toBe('refused with ••••')
    expect(
      run.value.nodes.find((n: { nodeId: string }) => n.nodeId === 'note').logs[0].message,
    ).toBe('used •••• for eu')

    const job = await call('tests.start', {
      flowId: 'crm-sync',
      cases: [{ name: 'fails', event: {}, mocks, expect: { status: 'failed' } }],
    })
    let status
    do status = await call('tests.status', { jobId: job.value.jobId })
    while (!status.value.finished)
    expect(status.value.passed).toBe(1)
    await call('tests.caseReport', { jobId: job.value.jobId, index: 0 })
    await call('runs.list', { flowId: 'crm-sync' })

    const good = {
      ...flow,
      id: 'crm-sync',
      nodes: flow.nodes.filter((n) => n.id !== 'boom'),
      edges: flow.edges.filter((e) => e.target !== 'boom'),
    }
    const current = await call('flows.get', { id: 'crm-sync' })
    await call('flows.saveDraft', {
      id: 'crm-sync',
      baseVersion: current.value.draft.version,
      flow: good,
    })
    expect((await call('flows.deploy', { id: 'crm-sync' })).ok).toBe(true)
    const exported = await call('bundles.export', { flowIds: ['crm-sync'] })
    expect(exported.ok).toBe(true)
    const bytes = Buffer.from(exported.value.base64, 'base64')
    expect(bytes.includes(VALUE)).toBe(false)
    const entries = unzipSync(bytes)
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json']))
    expect(manifest.secrets).toEqual({ crm: ['apiKey'] })
    for (const data of Object.values(entries)) expect(Buffer.from(data).includes(VALUE)).toBe(false)

    for (const answer of answers) expect(answer).not.toContain(VALUE)
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith('flowbench.db')))
      expect(readFileSync(path.join(dataDir, file)).includes(VALUE), file).toBe(false)
  })
})
