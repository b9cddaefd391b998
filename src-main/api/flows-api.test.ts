import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFlow, sampleFlow } from '../../test/fixtures/flows'
import type { AppContext } from '../app-context'
import { createAppContext } from '../app-context'
import { Engine } from '../engine/runner'
import type { WebHost } from '../web-host/server'
import { startWebHost } from '../web-host/server'
import { createApiHandlers } from './handlers'

let app: AppContext
let host: WebHost

beforeAll(async () => {
  app = await createAppContext({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'fb-api-')),
    mode: 'web',
  })
  host = await startWebHost({ handlers: createApiHandlers(app), staticDir: os.tmpdir(), port: 0 })
})
afterAll(async () => {
  await host.close()
  await app.close()
})

/** Calls an API method over real HTTP, as the browser does. */
/* eslint-disable @typescript-eslint/no-explicit-any -- answers are checked field by field */
async function call(
  method: string,
  arg?: unknown,
): Promise<{ ok: boolean; value?: any; error?: { code: string; message: string; details?: any } }> {
  /* eslint-enable @typescript-eslint/no-explicit-any */
  const response = await fetch(`http://127.0.0.1:${host.port}/api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${host.token}`, 'content-type': 'application/json' },
    body: arg === undefined ? '' : JSON.stringify(arg),
  })
  return response.json()
}

describe('flows and staging over the web host', () => {
  it('creates flows from a name and from a document, and lists them', async () => {
    const created = await call('flows.create', { name: 'My First Flow' })
    expect(created.ok).toBe(true)
    expect(created.value.summary).toMatchObject({
      id: 'my-first-flow',
      name: 'My First Flow',
      draftVersion: 1,
      productionRevision: null,
    })
    expect(created.value.draft.flow.nodes[0].plugin).toBe('trigger.manual')
    const imported = await call('flows.create', { flow: sampleFlow('vip-tagging') })
    expect(imported.value.summary.id).toBe('vip-tagging')
    const again = await call('flows.create', { flow: sampleFlow('vip-tagging') })
    expect(again.value.summary.id).toBe('vip-tagging-2')
    const list = await call('flows.list')
    expect(list.value.map((f: { id: string }) => f.id)).toEqual([
      'my-first-flow',
      'vip-tagging',
      'vip-tagging-2',
    ])
  })

  it('saves drafts with their problems and refuses a stale base', async () => {
    const current = await call('flows.get', { id: 'my-first-flow' })
    const flow = {
      ...current.value.draft.flow,
      nodes: [
        ...current.value.draft.flow.nodes,
        { id: 'x', plugin: 'nope.nope', position: { x: 0, y: 0 }, config: {} },
      ],
    }
    const saved = await call('flows.saveDraft', { id: 'my-first-flow', baseVersion: 1, flow })
    expect(saved.ok).toBe(true)
    expect(saved.value.version).toBe(2)
    expect(saved.value.problems.map((p: { code: string }) => p.code)).toContain('unknown-plugin')
    const stale = await call('flows.saveDraft', { id: 'my-first-flow', baseVersion: 1, flow })
    expect(stale).toMatchObject({ ok: false, error: { code: 'stale-draft' } })
    const text = await call('flows.saveDraft', {
      id: 'my-first-flow',
      baseVersion: 2,
      text: '{ "id": "my-first-flow", ',
    })
    expect(text).toMatchObject({ ok: false, error: { code: 'invalid-json' } })
    expect((await call('flows.get', { id: 'my-first-flow' })).value.draft.version).toBe(2)
  })

  it('refuses to deploy a draft with errors, listing them', async () => {
    const refused = await call('flows.deploy', { id: 'my-first-flow' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-flow' } })
    expect(refused.error!.details.map((p: { code: string }) => p.code)).toContain('unknown-plugin')
  })

  it('deploys, keeps history, and reverts an earlier revision into the draft', async () => {
    expect((await call('flows.deploy', { id: 'vip-tagging', note: 'launch' })).value.revision).toBe(
      1,
    )
    const draft = (await call('flows.get', { id: 'vip-tagging' })).value.draft
    await call('flows.saveDraft', {
      id: 'vip-tagging',
      baseVersion: draft.version,
      flow: { ...draft.flow, name: 'VIP v2' },
    })
    expect((await call('flows.deploy', { id: 'vip-tagging' })).value.revision).toBe(2)
    const history = await call('flows.history', { id: 'vip-tagging' })
    expect(
      history.value.map((r: { revision: number; isProduction: boolean; note: string | null }) => [
        r.revision,
        r.isProduction,
        r.note,
      ]),
    ).toEqual([
      [2, true, null],
      [1, false, 'launch'],
    ])
    await call('flows.revert', { id: 'vip-tagging', revision: 1 })
    const after = (await call('flows.get', { id: 'vip-tagging' })).value
    expect(after.draft.flow.name).toBe('VIP tagging')
    expect(after.production.revision).toBe(2)
    expect(after.production.flow.name).toBe('VIP v2')
  })

  it("runs the draft's tests for the Deploy dialog and, when told to, refuses to deploy while one fails", async () => {
    const created = (await call('flows.create', { flow: sampleFlow('vip-tagging'), id: 'gate' }))
      .value
    const id = created.summary.id
    expect((await call('flows.testDraft', { id })).value).toMatchObject({
      total: 3,
      passed: 3,
      failed: 0,
      failing: [],
    })
    // The threshold moves: the "big purchase" case no longer makes a VIP.
    const flow = structuredClone(created.draft.flow)
    flow.nodes.find((n: { id: string }) => n.id === 'threshold').config.condition =
      'profile.traits.totalSpent >= 5000'
    await call('flows.saveDraft', { id, baseVersion: created.draft.version, flow })
    const result = (await call('flows.testDraft', { id })).value
    expect(result).toMatchObject({ total: 3, passed: 2, failed: 1 })
    expect(result.failing[0]).toMatchObject({ index: 0, name: 'A big purchase makes a VIP' })
    expect(result.failing[0].reason).toMatch(/tag/)

    // The setting is off by default: a failing suite does not stop a deploy.
    expect((await call('settings.deploy')).value).toEqual({ refuseFailingTests: false })
    expect((await call('flows.deploy', { id })).value.revision).toBe(1)

    expect((await call('settings.saveDeploy', { refuseFailingTests: true })).value).toEqual({
      refuseFailingTests: true,
    })
    const refused = await call('flows.deploy', { id, note: 'should not land' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'tests-failing' } })
    expect(refused.error!.message).toContain('A big purchase makes a VIP')
    expect((await call('flows.history', { id })).value).toHaveLength(1)

    await call('settings.saveDeploy', { refuseFailingTests: false })
  })

  it('exports production revision N or the draft, and says which in the file name and manifest', async () => {
    const manifestOf = (base64: string) =>
      JSON.parse(
        new TextDecoder().decode(unzipSync(Buffer.from(base64, 'base64'))['manifest.json']),
      )
    const production = (await call('bundles.export', { flowIds: ['gate'] })).value
    expect(production.fileName).toBe('gate-r1.flowbundle')
    expect(manifestOf(production.base64).flows[0]).toMatchObject({ id: 'gate', revision: 1 })
    const draft = (await call('bundles.export', { flowIds: ['gate'], source: 'draft' })).value
    expect(draft.fileName).toBe('gate-draft.flowbundle')
    const flows = manifestOf(draft.base64).flows
    expect(flows[0]).toMatchObject({ id: 'gate', revision: null })
    // The draft is what ships: its raised threshold, not production's.
    const shipped = unzipSync(Buffer.from(draft.base64, 'base64'))[flows[0].path]!
    expect(new TextDecoder().decode(shipped)).toContain('>= 5000')
    const refused = await call('bundles.export', { flowIds: ['my-first-flow'], source: 'draft' })
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid-flow' } })
  })

  it('duplicates, deletes to the trash, restores and empties the trash', async () => {
    expect((await call('flows.duplicate', { id: 'vip-tagging' })).value.id).toBe('vip-tagging-copy')
    expect((await call('flows.delete', { id: 'vip-tagging-copy' })).ok).toBe(true)
    expect((await call('flows.list')).value.map((f: { id: string }) => f.id)).not.toContain(
      'vip-tagging-copy',
    )
    expect((await call('flows.restore', { id: 'vip-tagging-copy' })).value.deletedAt).toBeNull()
    await call('flows.delete', { id: 'vip-tagging-copy' })
    expect((await call('flows.emptyTrash')).value.removed).toBe(1)
    expect((await call('flows.get', { id: 'vip-tagging-copy' })).error!.code).toBe('not-found')
  })

  it('lists runs newest first and returns a report', async () => {
    const engine = new Engine({ plugins: app.registry, store: app.store.state })
    const loaded = engine.load(buildFlow([['start', 'trigger.manual']], [], 'runs-flow'))
    for (let i = 0; i < 3; i++)
      app.store.recordRun(await engine.run(loaded, { event: { properties: { i } } }))
    const list = await call('runs.list', { flowId: 'runs-flow', limit: 2 })
    expect(list.value.total).toBe(3)
    expect(list.value.runs).toHaveLength(2)
    const report = await call('runs.get', { runId: list.value.runs[0].runId })
    expect(report.value.state.event.properties.i).toBe(2)
    expect((await call('runs.get', { runId: 'nope' })).error!.code).toBe('not-found')
  })

  it('validates arguments against the contract', async () => {
    expect(await call('flows.get', {})).toMatchObject({
      ok: false,
      error: { code: 'bad-argument' },
    })
    expect(await call('flows.saveDraft', { id: 'x', baseVersion: -1, flow: {} })).toMatchObject({
      ok: false,
      error: { code: 'bad-argument' },
    })
  })
})
