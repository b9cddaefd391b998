/**
 * The events of the API contract: what main tells the renderer without being asked (VS Code's
 * ProxyChannel `onX`). Each event has a zod schema; main emits from the one API implementation,
 * Electron sends each on its own channel (`webContents.send`), the web host streams them as
 * Server-Sent Events, and the renderer's client exposes `onX(listener) → unsubscribe` in both
 * modes, parsing every payload against the schema here before a listener sees it.
 */
import { z } from 'zod'
import type { EngineEvent } from '../engine/report'
import { NodeRunStatus, RunStatus } from '../engine/report'
import { CaseSummary, RunnerStatus, TestJobStatus } from './contract'

/** Which run a progress event belongs to: the designer's Run / Run with…, or a case of a test job. */
export const RunOrigin = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('designer') }),
  z.object({ kind: z.literal('test'), jobId: z.string(), index: z.number().int() }),
])
export type RunOrigin = z.infer<typeof RunOrigin>

const RunRef = { runId: z.string(), flowId: z.string(), origin: RunOrigin }

export const RunProgress = z.discriminatedUnion('type', [
  z.object({ type: z.literal('nodeStarted'), ...RunRef, nodeId: z.string() }),
  z.object({
    type: z.literal('nodeFinished'),
    ...RunRef,
    nodeId: z.string(),
    status: NodeRunStatus,
    durationMs: z.number(),
  }),
  z.object({
    type: z.literal('runFinished'),
    ...RunRef,
    status: RunStatus,
    durationMs: z.number(),
  }),
])
export type RunProgress = z.infer<typeof RunProgress>

export const TestProgress = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('caseStarted'),
    jobId: z.string(),
    flowId: z.string(),
    index: z.number().int(),
    name: z.string(),
  }),
  z.object({
    type: z.literal('caseFinished'),
    jobId: z.string(),
    flowId: z.string(),
    case: CaseSummary,
    done: z.number().int(),
    total: z.number().int(),
    passed: z.number().int(),
    failed: z.number().int(),
  }),
  /** The job's final status; its `cases` is empty (each came with its caseFinished). */
  z.object({ type: z.literal('jobFinished'), jobId: z.string(), status: TestJobStatus }),
])
export type TestProgress = z.infer<typeof TestProgress>

/** A journaled event's status changed (accepted as pending, then done, failed or refused). */
export const RunnerDelivery = RunnerStatus.shape.deliveries.element
export type RunnerDelivery = z.infer<typeof RunnerDelivery>

export const apiEvents = {
  runProgress: RunProgress,
  testProgress: TestProgress,
  runnerDelivery: RunnerDelivery,
  /** The runner started, stopped or reloaded its flows (after a deploy): its new status. */
  runnerStatus: RunnerStatus,
} as const

export type ApiEvents = typeof apiEvents
export type EventName = keyof ApiEvents
export type EventPayload<E extends EventName> = z.output<ApiEvents[E]>

export const eventNames = Object.keys(apiEvents) as EventName[]

export function isEventName(name: string): name is EventName {
  return Object.hasOwn(apiEvents, name)
}

/** `runProgress` → `onRunProgress`: the name the preload and the client expose. */
export type ListenerName<E extends EventName> = `on${Capitalize<E>}`

export function listenerNameOf<E extends EventName>(event: E): ListenerName<E> {
  return `on${event[0]!.toUpperCase()}${event.slice(1)}` as ListenerName<E>
}

/** The IPC channel an event travels on (main → renderer only). */
export function eventChannelOf(event: EventName): string {
  return `flowbench-event:${event}`
}

/** The `onX` half of `window.flowbench`: one subscriber per event, each returning its unsubscribe. */
export type FlowbenchEvents = {
  [E in EventName as ListenerName<E>]: (listener: (payload: EventPayload<E>) => void) => () => void
}

/**
 * The web host's Server-Sent Events endpoint: GET, with the same token and Host rules as the
 * API's methods; every event, each under its own SSE `event:` name.
 */
export const EVENTS_PATH = '/api/events'

/** Where main's code sends events: the app's hub, or nothing (the CLI, tests). */
export interface EventSink {
  /** Whether anyone listens: callers skip building events nobody would receive. */
  readonly listening: boolean
  emit<E extends EventName>(event: E, payload: EventPayload<E>): void
}

/**
 * The engine's lifecycle events of one run as the contract's run progress. Node records and
 * reports stay in main (the renderer fetches a report when it wants one); progress carries ids,
 * statuses and times only, so it stays small on the wire.
 */
export function runProgressOf(
  flowId: string,
  origin: RunOrigin,
  emit: (progress: RunProgress) => void,
): (event: EngineEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'nodeStarted':
        emit({ type: 'nodeStarted', runId: event.runId, flowId, origin, nodeId: event.nodeId })
        return
      case 'nodeFinished':
        emit({
          type: 'nodeFinished',
          runId: event.runId,
          flowId,
          origin,
          nodeId: event.record.nodeId,
          status: event.record.status,
          durationMs: event.record.durationMs,
        })
        return
      case 'runFinished':
        emit({
          type: 'runFinished',
          runId: event.runId,
          flowId,
          origin,
          status: event.report.status,
          durationMs: event.report.durationMs,
        })
        return
      default:
        return
    }
  }
}
