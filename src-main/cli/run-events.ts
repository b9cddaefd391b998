/**
 * `run --events`: every event of a stream through one loaded flow, in one process, with
 * profiles carried from event to event by the engine's store. Keeps latencies, not reports.
 */
import type { TraceLevel } from '../../src-shared/engine/report'
import type { LoadedFlow } from '../engine/load'
import type { Engine } from '../engine/runner'
import { RunInputError } from '../engine/runner'
import type { EventItem } from './events-file'

export const MAX_LISTED_FAILURES = 1000

export interface EventsSummary {
  events: number
  succeeded: number
  failed: number
  eventsPerSecond: number
  p50Ms: number
  p99Ms: number
  failures: {
    index: number
    line?: number
    errors: { nodeId: string; message: string; code: string }[]
  }[]
  failuresTruncated?: boolean
}

export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank]!
}

export async function runEventStream(
  engine: Engine,
  loaded: LoadedFlow,
  events: AsyncIterable<EventItem>,
  options: { trace: TraceLevel; signal?: AbortSignal },
): Promise<EventsSummary> {
  let latencies = new Float64Array(1024)
  let count = 0
  let succeeded = 0
  let failed = 0
  const failures: EventsSummary['failures'] = []
  const started = performance.now()
  const noteFailure = (item: EventItem, errors: EventsSummary['failures'][number]['errors']) => {
    failed++
    if (failures.length < MAX_LISTED_FAILURES)
      failures.push(
        item.line ? { index: item.index, line: item.line, errors } : { index: item.index, errors },
      )
  }
  for await (const item of events) {
    if (count === latencies.length) {
      const grown = new Float64Array(latencies.length * 2)
      grown.set(latencies)
      latencies = grown
    }
    const t0 = performance.now()
    if ('error' in item) {
      noteFailure(item, [{ nodeId: '', message: item.error, code: 'invalid-event' }])
    } else {
      try {
        const report = await engine.run(loaded, {
          event: item.event,
          trace: options.trace,
          signal: options.signal,
          trigger: { type: 'cli' },
        })
        if (report.success) succeeded++
        else noteFailure(item, report.errors)
      } catch (error) {
        if (!(error instanceof RunInputError)) throw error
        noteFailure(item, [{ nodeId: '', message: error.message, code: 'invalid-event' }])
      }
    }
    latencies[count++] = performance.now() - t0
  }
  const elapsedS = (performance.now() - started) / 1000
  const sorted = latencies.subarray(0, count).sort()
  const summary: EventsSummary = {
    events: count,
    succeeded,
    failed,
    eventsPerSecond: elapsedS > 0 ? Math.round(count / elapsedS) : 0,
    p50Ms: round3(quantile(sorted, 0.5)),
    p99Ms: round3(quantile(sorted, 0.99)),
    failures,
  }
  if (failed > failures.length) summary.failuresTruncated = true
  return summary
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}
