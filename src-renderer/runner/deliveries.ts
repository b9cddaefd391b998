import type { RunnerDelivery } from '../../src-shared/api/events'

const SHOWN_DELIVERIES = 20

/** The list with this delivery's latest status: replaced in place, or added newest first. */
export function withDelivery(list: RunnerDelivery[], delivery: RunnerDelivery): RunnerDelivery[] {
  const others = list.filter((d) => d.seq !== delivery.seq)
  return [...others, delivery].sort((a, b) => b.seq - a.seq).slice(0, SHOWN_DELIVERIES)
}
