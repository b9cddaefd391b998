/**
 * The engine's public face: every caller imports from here. The engine lives in
 *   engine.ts        Engine, its options, subflows
 *   plan.ts          a loaded flow compiled into a run plan
 *   frame.ts         the per-node and per-edge arrays a run uses, pooled per plan
 *   flow-run.ts      the scheduler: one run, node by node
 *   policy.ts        retry, time limits, cancellation
 *   deliveries.ts    what edges carry, joins, edge statuses
 *   node-context.ts  the PluginContext, the state view, the expression scope
 *   run-state.ts     the event, profile and session a run starts from
 *   records.ts       node records and the clock; errors.ts the errors a run tells apart
 *   ids.ts           run, event and session ids
 *   shallow-copy.ts  one-level object copies compiled per key list (V8 11's spread is slow)
 */
export { DEFAULT_MAX_SUBFLOW_DEPTH, Engine } from './engine'
export type { EngineOptions, ExecutedRun, RunOptions } from './engine'
export { NodeFailure, RunInputError } from './errors'
export { isoAt, isoNow } from './records'
export { normalizeEvent, normalizeProfile, normalizeSession } from './run-state'
