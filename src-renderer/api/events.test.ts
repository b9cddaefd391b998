import { describe, expect, it, vi } from 'vitest'
import type { EventName } from '../../src-shared/api/events'
import { withDelivery } from '../runner/deliveries'
import { createEventClient, parseEventStream } from './events'

function fakeSource() {
  const source = {
    deliver: (_event: EventName, _payload: unknown) => {},
    connected: () => {},
    starts: 0,
    start(deliver: (event: EventName, payload: unknown) => void, connected: () => void) {
      source.starts++
      source.deliver = deliver
      source.connected = connected
    },
  }
  return source
}

const delivery = (seq: number, status: string) => ({
  seq,
  flowId: 'orders',
  source: 'webhook',
  receivedAt: '2026-01-01T00:00:00.000Z',
  status,
  runId: status === 'pending' ? null : `r${seq}`,
})

describe('the renderer event client', () => {
  it('hands typed payloads to onX listeners, drops ones outside the contract, and unsubscribes', () => {
    const source = fakeSource()
    const client = createEventClient(source)
    const heard: unknown[] = []
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    const stop = client.events.onRunnerDelivery((d) => heard.push(d.status))
    client.events.onTestProgress(() => heard.push('test'))
    expect(source.starts).toBe(1)
    source.deliver('runnerDelivery', delivery(1, 'pending'))
    source.deliver('runnerDelivery', { seq: 'not a number' })
    source.deliver('runnerStatus', { running: true })
    stop()
    source.deliver('runnerDelivery', delivery(1, 'done'))
    expect(heard).toEqual(['pending'])
    expect(warn).toHaveBeenCalledTimes(1)
    warn.mockRestore()
  })

  it('tells onConnected listeners on every (re)connect, and late ones at once', async () => {
    const source = fakeSource()
    const client = createEventClient(source)
    const early = vi.fn()
    client.onConnected(early)
    source.connected()
    source.connected()
    expect(early).toHaveBeenCalledTimes(2)
    const late = vi.fn()
    client.onConnected(late)
    await Promise.resolve()
    expect(late).toHaveBeenCalledTimes(1)
  })

  it('splits a Server-Sent Events stream into events, skipping comments and keeping a partial one', () => {
    const { blocks, rest } = parseEventStream(
      'retry: 1000\n: connected\n\nevent: runnerStatus\ndata: {"running":true}\n\nevent: runnerDel',
    )
    expect(blocks).toEqual([{ event: 'runnerStatus', data: '{"running":true}' }])
    expect(rest).toBe('event: runnerDel')
  })
})

describe('runner deliveries', () => {
  it('replace an earlier status of the same event and stay newest first', () => {
    let list = withDelivery([], delivery(1, 'pending'))
    list = withDelivery(list, delivery(2, 'pending'))
    list = withDelivery(list, delivery(1, 'done'))
    expect(list.map((d) => [d.seq, d.status])).toEqual([
      [2, 'pending'],
      [1, 'done'],
    ])
  })
})
