/**
 * API methods of the Runner tab beyond start/stop/status: sending events to the local runner
 * (as `POST /api/events`), and reading another `serve` (a cluster's API) with its flows' stats
 * and latest runs. contract.ts spreads these in.
 */
import { z } from 'zod'

const JsonObject = z.record(z.string(), z.unknown())

export const EventRouting = z.object({
  events: z.array(
    z.object({
      id: z.string(),
      type: z.string().nullable(),
      flows: z.array(z.object({ flowId: z.string(), submission: z.string() })),
      note: z.string().optional(),
    }),
  ),
})
export type EventRouting = z.infer<typeof EventRouting>

const RemoteRun = z.object({
  runId: z.string(),
  flowId: z.string(),
  flowVersion: z.number().int().nullable(),
  status: z.string(),
  startedAt: z.string(),
  durationMs: z.number(),
})

export const RemoteFlow = z.object({
  id: z.string(),
  name: z.string(),
  revision: z.number().int().nullable(),
  trigger: z.string(),
  stats: z.object({
    accepted: z.number(),
    succeeded: z.number(),
    failed: z.number(),
    pending: z.number(),
  }),
  runs: z.array(RemoteRun),
})
export type RemoteFlow = z.infer<typeof RemoteFlow>

export const runnerMethods = {
  /** Sends one event to the local runner; it goes to every served flow whose trigger takes it. */
  'runner.sendEvent': { input: z.object({ event: JsonObject }).strict(), output: EventRouting },
  /** Reads a serve API (e.g. a cluster's): each flow with its stats and latest runs. */
  'runner.remote': {
    input: z
      .object({
        url: z.string().min(1).max(2000),
        token: z.string().max(4096).optional(),
        runs: z.number().int().min(1).max(100).optional(),
      })
      .strict(),
    output: z.array(RemoteFlow),
  },
} as const
