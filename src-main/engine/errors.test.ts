import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { Engine } from './runner'
import { MemoryStateStore } from './state-store'

describe('errors, retry and timeouts', () => {
  it('sends the error to a connected error port and goes on', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['boom', 'flow.throw', { message: 'bad {{ event.type }}', code: 'bad-thing' }],
        [
          'handle',
          'data.set',
          { values: { 'flow@handled': 'payload@message', 'flow@code': 'payload@code' } },
        ],
      ],
      ['start.payload -> boom', 'boom.error -> handle'],
    )
    const report = await engine.run(engine.load(f), { event: { type: 'order' } })
    expect(report.status).toBe('succeeded')
    expect(report.state.flow).toEqual({ handled: 'bad order', code: 'bad-thing' })
    const boom = report.nodes.find((n) => n.nodeId === 'boom')!
    expect(boom.status).toBe('error')
    expect(boom.error).toMatchObject({ message: 'bad order', code: 'bad-thing', nodeId: 'boom' })
    const handled = report.nodes.find((n) => n.nodeId === 'handle')!
    expect(handled.input!.value).toMatchObject({
      message: 'bad order',
      code: 'bad-thing',
      nodeId: 'boom',
      input: { type: 'order' },
    })
  })

  it('fails the run without an error edge, stops there and saves nothing', async () => {
    const store = new MemoryStateStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['tag', 'profile.add-segment', { segment: 'vip' }],
        ['boom', 'flow.throw', { message: 'nope' }],
      ],
      ['start.payload -> tag', 'tag.payload -> boom'],
    )
    const report = await engine.run(engine.load(f), { event: { profileId: 'p1' } })
    expect(report.status).toBe('failed')
    expect(report.success).toBe(false)
    expect(report.errors).toEqual([{ nodeId: 'boom', message: 'nope', code: 'thrown' }])
    expect(store.profiles.has('p1')).toBe(false)
    expect(report.changes.profile.length).toBeGreaterThan(0)
  })

  it('marks what was not reached after a failure', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['boom', 'flow.throw', { message: 'x' }],
        ['other', 'test.record'],
        ['next', 'test.record'],
      ],
      ['start.payload -> boom', 'start.payload -> other', 'other.payload -> next'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.nodes.map((n) => n.nodeId)).toEqual(['start', 'boom'])
    expect(report.edges).toEqual({ e1: 'active', e2: 'active', e3: 'unreached' })
  })

  it('retries a failing node up to maxAttempts', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['flaky', 'test.flaky', { failTimes: 2 }, { retry: { maxAttempts: 3, backoffMs: 1 } }],
      ],
      ['start.payload -> flaky'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    const node = report.nodes.find((n) => n.nodeId === 'flaky')!
    expect(report.status).toBe('succeeded')
    expect(node.attempts).toBe(3)
    expect(node.logs.filter((l) => l.level === 'warn')).toHaveLength(2)
  })

  it('gives up after maxAttempts', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['flaky', 'test.flaky', { failTimes: 5 }, { retry: { maxAttempts: 2 } }],
      ],
      ['start.payload -> flaky'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.nodes.find((n) => n.nodeId === 'flaky')!.attempts).toBe(2)
    expect(report.errors[0]).toMatchObject({ code: 'flaky', message: 'failure 2' })
  })

  it('ends a node that exceeds timeoutMs with a timeout error, which an error edge can handle', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['slow', 'test.slow', { ms: 5000, ignoreSignal: true }, { timeoutMs: 30 }],
        ['handle', 'test.record'],
      ],
      ['start.payload -> slow', 'slow.error -> handle'],
    )
    const started = Date.now()
    const report = await engine.run(engine.load(f), { event: {} })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(report.status).toBe('succeeded')
    expect(report.nodes.find((n) => n.nodeId === 'slow')!.error).toMatchObject({ code: 'timeout' })
    expect(report.nodes.find((n) => n.nodeId === 'handle')!.status).toBe('ok')
  })

  it('aborts the signal a timed-out plugin received', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['slow', 'test.slow', { ms: 5000 }, { timeoutMs: 20 }],
      ],
      ['start.payload -> slow'],
    )
    const report = await engine.run(engine.load(f), { event: {} })
    expect(report.status).toBe('failed')
    expect(report.errors[0]!.code).toBe('timeout')
  })
})

describe('cancellation', () => {
  it('cancels a running flow through its AbortSignal and saves nothing', async () => {
    const store = new MemoryStateStore()
    const engine = new Engine({ plugins: testRegistry(), store })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['tag', 'profile.add-segment', { segment: 'vip' }],
        ['wait', 'flow.sleep', { ms: 10000 }],
        ['after', 'test.record'],
      ],
      ['start.payload -> tag', 'tag.payload -> wait', 'wait.payload -> after'],
    )
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 30)
    const started = Date.now()
    const report = await engine.run(engine.load(f), {
      event: { profileId: 'p' },
      signal: controller.signal,
    })
    expect(Date.now() - started).toBeLessThan(2000)
    expect(report.status).toBe('cancelled')
    expect(report.success).toBe(false)
    expect(report.nodes.some((n) => n.nodeId === 'after')).toBe(false)
    expect(report.edges.e3).toBe('unreached')
    expect(store.profiles.size).toBe(0)
  })

  it('stops waiting for a plugin that ignores the signal', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['slow', 'test.slow', { ms: 10000, ignoreSignal: true }],
      ],
      ['start.payload -> slow'],
    )
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 20)
    const report = await engine.run(engine.load(f), { event: {}, signal: controller.signal })
    expect(report.status).toBe('cancelled')
  })

  it('does not start when already cancelled', async () => {
    const engine = new Engine({ plugins: testRegistry() })
    const f = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['rec', 'test.record'],
      ],
      ['start.payload -> rec'],
    )
    const report = await engine.run(engine.load(f), { event: {}, signal: AbortSignal.abort() })
    expect(report.status).toBe('cancelled')
    expect(report.nodes).toEqual([])
  })
})
