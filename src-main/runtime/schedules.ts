/**
 * Schedules (`trigger.schedule`, cron or interval): each tick is an event journaled like any
 * other, so a tick that fires while the worker is busy is run in turn, and once.
 */
import { Cron } from 'croner'
import type { ServedFlow } from './journal-worker'

export interface ScheduleInfo {
  flowId: string
  description: string
  next: string | null
}

export interface Schedules {
  list(): ScheduleInfo[]
  stop(): void
}

interface ScheduleConfig {
  cron?: string
  intervalMs?: number
  timezone?: string
  eventType?: string
  properties?: Record<string, unknown>
}

export function startSchedules(
  flows: Iterable<ServedFlow>,
  enqueue: (flowId: string, event: Record<string, unknown>) => void,
): Schedules {
  const timers: { stop(): void }[] = []
  const schedules: { flowId: string; description: string; next(): Date | null }[] = []
  for (const served of flows) {
    const entry = served.loaded.entry.node
    if (entry.plugin !== 'trigger.schedule') continue
    const config = entry.config as ScheduleConfig
    const flowId = served.flow.id
    const tick = (): void =>
      enqueue(flowId, {
        type: config.eventType ?? 'schedule',
        source: 'schedule',
        properties: { ...(config.properties ?? {}) },
      })
    if (config.cron) {
      const job = new Cron(config.cron, { timezone: config.timezone }, tick)
      timers.push({ stop: () => job.stop() })
      schedules.push({ flowId, description: `cron ${config.cron}`, next: () => job.nextRun() })
    } else if (config.intervalMs) {
      const every = config.intervalMs
      let last = Date.now()
      const timer = setInterval(() => {
        last = Date.now()
        tick()
      }, every)
      timers.push({ stop: () => clearInterval(timer) })
      schedules.push({
        flowId,
        description: `every ${every} ms`,
        next: () => new Date(last + every),
      })
    }
  }
  return {
    list: () =>
      schedules.map((s) => ({
        flowId: s.flowId,
        description: s.description,
        next: s.next()?.toISOString() ?? null,
      })),
    stop: () => {
      for (const t of timers) t.stop()
    },
  }
}
