import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import type { AppContext } from '../app-context'
import { createAppContext } from '../app-context'
import { dispatch } from './dispatch'
import type { ApiHandlers } from './dispatch'
import { createApiHandlers } from './handlers'

let app: AppContext
let handlers: ApiHandlers

beforeAll(async () => {
  app = await createAppContext({
    dataDir: mkdtempSync(path.join(os.tmpdir(), 'fb-run-to-')),
    mode: 'web',
  })
  handlers = createApiHandlers(app)
  app.store.createFlow(
    buildFlow(
      [
        ['start', 'trigger.manual'],
        ['total', 'data.set', { values: { 'flow@total': 'event@properties.total' } }],
        ['check', 'flow.if', { condition: 'flow.total > 100' }],
        ['tag', 'profile.add-segment', { segment: 'big' }],
        ['after', 'flow.log', { message: 'after' }],
      ],
      [
        'start.payload -> total',
        'total.payload -> check',
        'check.true -> tag',
        'tag.payload -> after',
      ],
      'run-to',
    ),
  )
})
afterAll(() => app.close())

async function run(arg: Record<string, unknown>) {
  const result = await dispatch(handlers, 'flows.run', {
    id: 'run-to',
    event: { type: 'purchase', properties: { total: 50 } },
    ...arg,
  })
  if (!result.ok) throw new Error(result.error.message)
  return result.value as Awaited<ReturnType<ApiHandlers['flows.run']>>
}

describe('flows.run up to a node, with pinned outputs', () => {
  it('runs only the node and what it depends on', async () => {
    const report = await run({ stopAfter: 'check' })
    expect(report.status).toBe('succeeded')
    expect(report.nodes.map((n) => [n.nodeId, n.status])).toEqual([
      ['start', 'ok'],
      ['total', 'ok'],
      ['check', 'ok'],
    ])
    const check = report.nodes.find((n) => n.nodeId === 'check')!
    expect(check.outputs.map((o) => o.port)).toEqual(['false'])
  })

  it('sends a pinned node’s output on without running it', async () => {
    const report = await run({
      stopAfter: 'tag',
      pinned: { total: { port: 'payload', value: { pinned: true } } },
      // The pinned total never ran, so flow.total is unset and the condition is false…
    })
    const byId = new Map(report.nodes.map((n) => [n.nodeId, n]))
    expect(byId.get('total')!.logs[0]!.message).toMatch(/Mocked/)
    expect(byId.get('check')!.input?.value).toEqual({ pinned: true })
    expect(byId.get('tag')!.status).toBe('skipped')
    expect(byId.has('after')).toBe(false)
    // …and pinning check's true output makes the run reach tag, which then runs for real.
    const reached = await run({
      stopAfter: 'tag',
      pinned: { check: { port: 'true', value: { via: 'pin' } } },
    })
    const tag = reached.nodes.find((n) => n.nodeId === 'tag')!
    expect(tag.status).toBe('ok')
    expect(tag.input?.value).toEqual({ via: 'pin' })
    expect(reached.changes.profile.length).toBeGreaterThan(0)
  })

  it('refuses a node the flow does not have', async () => {
    const result = await dispatch(handlers, 'flows.run', {
      id: 'run-to',
      event: {},
      stopAfter: 'nope',
    })
    expect(result.ok).toBe(false)
    if (!result.ok) expect(result.error.code).toBe('unknown-node')
  })
})
