/**
 * The contract's events on the main side: one hub per process that the API implementation emits
 * into and each adapter (Electron's webContents, the web host's event stream) subscribes to.
 * Emitting is cheap when nobody listens, so the CLI and tests pay nothing for it.
 */
import type { EventName, EventPayload, EventSink } from '../../src-shared/api/events'

export type ApiEventListener = <E extends EventName>(event: E, payload: EventPayload<E>) => void

/** The listening half of the hub, which adapters get. */
export interface EventSubscription {
  subscribe(listener: ApiEventListener): () => void
}

export class ApiEventHub implements EventSink, EventSubscription {
  private readonly listeners = new Set<ApiEventListener>()

  /** Whether anyone listens: callers skip building events nobody would receive. */
  get listening(): boolean {
    return this.listeners.size > 0
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners) {
      try {
        listener(event, payload)
      } catch {
        // A window that went away must not break the run that reports to it.
      }
    }
  }

  subscribe(listener: ApiEventListener): () => void {
    this.listeners.add(listener)
    return () => void this.listeners.delete(listener)
  }
}
