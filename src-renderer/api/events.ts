/**
 * The contract's events in the renderer: `events.onX(listener) → unsubscribe`, the same in both
 * modes. Under Electron they come through the preload's `window.flowbench.onX`; in a browser
 * from the web host's Server-Sent Events stream, read with fetch so the token travels in a
 * header. Every payload is parsed against the contract's schema before a listener sees it.
 *
 * `onConnected` fires when events start flowing (at once under Electron; on every (re)connect
 * of the stream in a browser): views fetch what they show then, once, so nothing emitted while
 * they were not listening is missed.
 */
import type { ZodType } from 'zod'
import type { EventName, EventPayload, FlowbenchEvents } from '../../src-shared/api/events'
import { apiEvents, EVENTS_PATH, eventNames, listenerNameOf } from '../../src-shared/api/events'

type Listener = (payload: unknown) => void

/** Where events come from: the preload's listeners, or the web host's stream. */
interface EventSource {
  /** Starts delivering; called once, on the first subscription. */
  start(deliver: (event: EventName, payload: unknown) => void, connected: () => void): void
}

const MAX_RETRY_MS = 5000

function preloadSource(preload: FlowbenchEvents): EventSource {
  return {
    start(deliver, connected) {
      for (const event of eventNames) {
        const subscribe = preload[listenerNameOf(event)] as (l: Listener) => () => void
        subscribe((payload) => deliver(event, payload))
      }
      // IPC needs no connection: events flow from the moment the listeners are on.
      queueMicrotask(connected)
    },
  }
}

/** Splits a Server-Sent Events stream into `event:`/`data:` blocks; comments are skipped. */
export function parseEventStream(buffer: string): {
  blocks: { event: string; data: string }[]
  rest: string
} {
  const blocks: { event: string; data: string }[] = []
  const parts = buffer.split('\n\n')
  const rest = parts.pop() ?? ''
  for (const part of parts) {
    let event = ''
    const data: string[] = []
    for (const line of part.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (event && data.length > 0) blocks.push({ event, data: data.join('\n') })
  }
  return { blocks, rest }
}

function streamSource(token: () => string | null): EventSource {
  return {
    start(deliver, connected) {
      let retry = 500
      const connect = async () => {
        try {
          const response = await fetch(`.${EVENTS_PATH}`, {
            headers: { authorization: `Bearer ${token() ?? ''}`, accept: 'text/event-stream' },
            cache: 'no-store',
          })
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
          retry = 500
          connected()
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
          let buffer = ''
          for (;;) {
            const { value, done } = await reader.read()
            if (done) break
            const parsed = parseEventStream(buffer + value)
            buffer = parsed.rest
            for (const { event, data } of parsed.blocks) {
              if (!isEventName(event)) continue
              try {
                deliver(event, JSON.parse(data))
              } catch {
                // A malformed event is dropped; the next (re)connect fetch covers what it said.
              }
            }
          }
        } catch {
          // Unreachable or refused: try again below.
        }
        // The stream ended (host restarted, network change): reconnect, backing off.
        setTimeout(() => void connect(), retry)
        retry = Math.min(retry * 2, MAX_RETRY_MS)
      }
      void connect()
    },
  }
}

function isEventName(name: string): name is EventName {
  return Object.hasOwn(apiEvents, name)
}

/** The renderer's event client over one source. */
export function createEventClient(source: EventSource): {
  events: FlowbenchEvents
  onConnected(listener: () => void): () => void
} {
  const listeners = new Map<EventName, Set<Listener>>()
  const connectedListeners = new Set<() => void>()
  let started = false
  let connected = false

  const start = () => {
    if (started) return
    started = true
    source.start(
      (event, payload) => {
        for (const listener of [...(listeners.get(event) ?? [])]) listener(payload)
      },
      () => {
        connected = true
        for (const listener of [...connectedListeners]) listener()
      },
    )
  }

  function subscriber<E extends EventName>(event: E, schema: ZodType<EventPayload<E>>) {
    return (listener: (payload: EventPayload<E>) => void): (() => void) => {
      // A payload outside the contract is a bug in main: it is not handed on as if it were typed.
      const checked: Listener = (raw) => {
        const parsed = schema.safeParse(raw)
        if (parsed.success) listener(parsed.data)
        else console.warn(`Flowbench: ignored a malformed ${event} event`)
      }
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(checked)
      start()
      return () => void set.delete(checked)
    }
  }

  return {
    // Listed one by one so the compiler checks every event of the contract has its onX.
    events: {
      onRunProgress: subscriber('runProgress', apiEvents.runProgress),
      onTestProgress: subscriber('testProgress', apiEvents.testProgress),
      onRunnerDelivery: subscriber('runnerDelivery', apiEvents.runnerDelivery),
      onRunnerStatus: subscriber('runnerStatus', apiEvents.runnerStatus),
    },
    onConnected(listener) {
      connectedListeners.add(listener)
      start()
      if (connected) queueMicrotask(() => connectedListeners.has(listener) && listener())
      return () => void connectedListeners.delete(listener)
    },
  }
}

export function createAppEventClient(
  preload: FlowbenchEvents | undefined,
  token: () => string | null,
) {
  return createEventClient(preload ? preloadSource(preload) : streamSource(token))
}
