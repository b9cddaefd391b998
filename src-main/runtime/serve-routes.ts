/**
 * The routes `serve` answers (design §8): webhooks at `/hooks/<path>`, the flows and runs API,
 * the track API (`POST /api/events`), per-flow stats and latest runs, profiles and `/healthz`. Host, cross-site
 * and server-token checks, body limits and error answers come from the shared HTTP stack
 * (src-main/http); what is here is only what these routes mean.
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { RunInputError } from '../engine/runner'
import { decodeJson, formFields, isForm } from '../http/body'
import { problem } from '../http/problem'
import type { Log } from '../http/server'
import { jsonBodies, requireToken, sendJson } from '../http/server'
import type { ExecutionBackend } from './backend'
import type { ServedFlow } from './journal-worker'
import { redactCredentials } from './redact'
import type { SignatureConfig } from './webhook-signature'
import { signatureProblem, signatureSecretRef } from './webhook-signature'

// Answers of direct runs (not journaled) kept for Idempotency-Key repeats, newest last.
const MAX_REMEMBERED_ANSWERS = 10_000
/** More events than this in one `POST /api/events` is a client to slow down, not a batch. */
export const MAX_EVENTS_PER_REQUEST = 1000
/** `GET /api/flows/:id/runs` answers this many runs unless `?limit=` says otherwise (at most the max). */
const DEFAULT_RECENT_RUNS = 20
const MAX_RECENT_RUNS = 500

export interface ServeRoutesContext {
  flows: Map<string, ServedFlow>
  hooks: Map<string, ServedFlow>
  backend: ExecutionBackend
  environment: () => RunEnvironment
  log: Log
}

/** What a request was answered with; a repeat with the same Idempotency-Key gets it again. */
interface Answer {
  status: number
  body: unknown
}

interface HookConfig {
  methods?: string[]
  token?: string
  waitForRun?: boolean
  eventType?: string
  profileIdField?: string
  sessionIdField?: string
  signature?: SignatureConfig
}

const GONE: Answer = { status: 410, body: { error: 'The run of this request is no longer kept' } }

/** Idempotency keys belong to one route of one flow: the same key elsewhere is another request. */
function scopedKey(route: 'hook' | 'runs', flowId: string, key: string | undefined): string | null {
  return key ? `${route}\u001f${flowId}\u001f${key}` : null
}

/** Longer keys are refused (as Stripe does): a key names a request, it does not carry data. */
export const MAX_IDEMPOTENCY_KEY = 255

function idempotencyKey(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key']
  if (typeof key !== 'string' || !key) return undefined
  if (key.length > MAX_IDEMPOTENCY_KEY)
    throw problem(400, `Idempotency-Key is longer than ${MAX_IDEMPOTENCY_KEY} characters`)
  return key
}

function sendAnswer(reply: FastifyReply, answer: Answer, replayed: boolean): FastifyReply {
  return sendJson(
    reply,
    answer.status,
    answer.body,
    replayed ? { 'idempotent-replayed': 'true' } : {},
  )
}

function fieldOrHeader(
  request: FastifyRequest,
  body: Record<string, unknown>,
  spec: string | undefined,
): string | undefined {
  if (!spec) return undefined
  if (spec.startsWith('header:')) {
    const value = request.headers[spec.slice(7).toLowerCase()]
    return typeof value === 'string' ? value : undefined
  }
  const value = body[spec]
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
}

/** The event types a `trigger.event` flow takes; an empty list takes every event. */
function acceptedTypes(served: ServedFlow): string[] | null {
  const entry = served.loaded.entry.node
  if (entry.plugin !== 'trigger.event') return null
  const types = (entry.config as { eventTypes?: unknown }).eventTypes
  return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string') : []
}

/** The served flow with this id, or a 404 naming it. */
function servedFlow(flows: Map<string, ServedFlow>, id: string): ServedFlow {
  const served = flows.get(id)
  if (!served) throw problem(404, `Flow "${id}" is not served here`)
  return served
}

/** The answer to a journaled API run: its report, once it has run (now or long ago). */
async function runAnswer(backend: ExecutionBackend, id: string): Promise<Answer> {
  const report = await backend.outcomeOf(id)
  if (report === undefined) return GONE
  if (!report) return { status: 400, body: { error: 'The event was refused (see the server log)' } }
  return { status: 200, body: report }
}

export function registerServeRoutes(app: FastifyInstance, ctx: ServeRoutesContext): void {
  const { flows, backend } = ctx
  app.get('/healthz', { config: { public: true } }, async (_request, reply) =>
    sendJson(reply, 200, { ok: true, flows: flows.size, pending: await backend.pending() }),
  )

  hookRoutes(app, ctx)
  readRoutes(app, ctx)
  // The API's bodies are JSON, decoded (within the nesting limit) before its schemas check them;
  // the hooks keep theirs raw for signatures and forms.
  app.register(async (api) => {
    jsonBodies(api)
    runRoutes(api, ctx)
    trackRoute(api, ctx)
  })
  app.setNotFoundHandler((request) => {
    throw problem(404, `Nothing at ${request.method} ${request.url.split('?')[0]}`)
  })
}

/** Webhooks (`/hooks/<path>`): each call is journaled before it is acknowledged. */
function hookRoutes(app: FastifyInstance, ctx: ServeRoutesContext): void {
  const { hooks, backend, log } = ctx

  /** The hook a request is for, or the reason it is refused before its body is read. */
  function hookOf(request: FastifyRequest): { path: string; served: ServedFlow } {
    // Empty segments are no part of a hook's path: `/hooks/orders/` is `/hooks/orders`.
    const path = (request.params as { '*': string })['*'].split('/').filter(Boolean).join('/')
    const served = hooks.get(path)
    if (!served) throw problem(404, `No flow serves /hooks/${path}`)
    return { path, served }
  }

  function checkSignature(
    request: FastifyRequest,
    path: string,
    signature: SignatureConfig,
    raw: Buffer,
  ): void {
    const ref = signatureSecretRef(signature)
    const secret = ref ? ctx.environment().secrets[ref.name]?.[ref.field] : undefined
    if (typeof secret !== 'string' || secret === '') {
      log({
        level: 'error',
        msg: 'signing secret not set',
        path: `/hooks/${path}`,
        secret: signature.secret,
      })
      throw problem(503, `The signing secret of /hooks/${path} is not set on this server`)
    }
    const refused = signatureProblem(signature, secret, request.raw, raw)
    if (refused) {
      log({ level: 'warn', msg: 'signature refused', path: `/hooks/${path}`, reason: refused })
      throw problem(401, refused)
    }
  }

  app.all('/hooks/*', {
    // Before the body is read: a request for no hook, with the wrong method or without the
    // hook's token costs the server nothing more.
    onRequest: (request, _reply, done) => {
      try {
        const { path, served } = hookOf(request)
        const config = served.loaded.entry.node.config as HookConfig
        const methods = config.methods ?? ['POST']
        if (!methods.includes(request.method))
          throw problem(405, `/hooks/${path} accepts ${methods.join(', ')}`)
        if (config.token) requireToken(request, config.token, 'hook token (X-Flowbench-Token)')
      } catch (error) {
        return done(error as Error)
      }
      done()
    },
    handler: async (request, reply) => {
      const { path, served } = hookOf(request)
      const config = served.loaded.entry.node.config as HookConfig
      const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0)
      // Before the body is even parsed: an unsigned request costs the server nothing more.
      if (config.signature) checkSignature(request, path, config.signature, raw)
      const body = isForm(request.headers['content-type']) ? formFields(raw) : decodeJson(raw)
      const properties =
        body && typeof body === 'object' && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : { body }
      const event = {
        id: randomUUID(),
        type: config.eventType ?? 'webhook',
        source: `webhook:${path}`,
        properties,
        context: { userAgent: request.headers['user-agent'] ?? null },
        profileId: fieldOrHeader(request, properties, config.profileIdField),
        sessionId: fieldOrHeader(request, properties, config.sessionIdField),
      }
      const key = scopedKey('hook', served.flow.id, idempotencyKey(request))
      const { id, duplicate } = await backend.submit(served.flow.id, event, 'webhook', key)
      if (!config.waitForRun)
        return sendAnswer(reply, { status: 202, body: { accepted: true, id } }, duplicate)
      const report = await backend.outcomeOf(id)
      const answer: Answer =
        report === undefined
          ? GONE
          : {
              status: report?.success ? 200 : 500,
              body: report ?? { accepted: true, id, status: 'refused' },
            }
      return sendAnswer(reply, answer, duplicate)
    },
  })
}

/** What is served and what became of it: flows, stats, runs, profiles. */
function readRoutes(app: FastifyInstance, ctx: ServeRoutesContext): void {
  const { flows, backend } = ctx

  app.get('/api/flows', (_request, reply) =>
    sendJson(
      reply,
      200,
      [...flows.values()].map((s) => ({
        id: s.flow.id,
        name: s.flow.name,
        revision: s.revision,
        trigger: s.loaded.entry.node.plugin,
      })),
    ),
  )

  app.get<{ Params: { id: string } }>('/api/flows/:id', (request, reply) => {
    const served = servedFlow(flows, request.params.id)
    return sendJson(reply, 200, {
      id: served.flow.id,
      revision: served.revision,
      flow: redactCredentials(served.flow),
    })
  })

  app.get<{ Params: { id: string } }>('/api/flows/:id/stats', async (request, reply) => {
    const served = servedFlow(flows, request.params.id)
    return sendJson(reply, 200, await backend.stats(served.flow.id))
  })

  // The Runner tab (and any dashboard) lists a flow's latest runs, as the backend keeps them.
  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/api/flows/:id/runs',
    async (request, reply) => {
      const served = servedFlow(flows, request.params.id)
      const given = request.query.limit
      const limit = given === undefined ? DEFAULT_RECENT_RUNS : Number(given)
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_RECENT_RUNS)
        throw problem(400, `limit must be a whole number from 1 to ${MAX_RECENT_RUNS}`)
      return sendJson(reply, 200, { runs: await backend.recentRuns(served.flow.id, limit) })
    },
  )

  app.get<{ Params: { id: string } }>('/api/runs/:id', async (request, reply) => {
    const report = await backend.run(request.params.id)
    if (!report) throw problem(404, `Run "${request.params.id}" was not found`)
    return sendJson(reply, 200, report)
  })

  app.get<{ Params: { id: string } }>('/api/profiles/:id', async (request, reply) => {
    const profile = await backend.profile(request.params.id)
    if (!profile) throw problem(404, `Profile "${request.params.id}" was not found`)
    return sendJson(reply, 200, profile)
  })
}

/** `POST /api/flows/:id/runs`: a journaled run (or a direct one, given a profile or session). */
function runRoutes(api: FastifyInstance, ctx: ServeRoutesContext): void {
  const { flows, backend } = ctx

  // Direct runs (with a given profile/session) are not journaled: their answers are remembered
  // here for repeats while this process runs.
  const remembered = new Map<string, Promise<Answer>>()
  function remember(key: string, answer: Promise<Answer>): void {
    remembered.set(key, answer)
    if (remembered.size > MAX_REMEMBERED_ANSWERS)
      remembered.delete(remembered.keys().next().value as string)
  }

  /** The earlier answer to a repeated run request, or null when the request is new. */
  async function repeatedRun(request: FastifyRequest<{ Params: { id: string } }>) {
    const served = servedFlow(flows, request.params.id)
    const key = scopedKey('runs', served.flow.id, idempotencyKey(request))
    const earlier = key ? remembered.get(key) : undefined
    if (earlier) return earlier
    const journaled = key ? await backend.submissionOfKey(key) : null
    return journaled === null ? null : runAnswer(backend, journaled)
  }

  api.post<{ Params: { id: string }; Body: RunBody }>('/api/flows/:id/runs', {
    schema: { body: RUN_BODY },
    schemaErrorFormatter: () =>
      problem(400, 'Send { "event": { … }, "profile"?: { … }, "session"?: { … } }'),
    // A repeat is answered before its body is even read.
    onRequest: async (request, reply) => {
      const repeated = await repeatedRun(request)
      if (repeated) return sendAnswer(reply, await repeated, true)
    },
    handler: async (request, reply) => {
      const served = servedFlow(flows, request.params.id)
      const key = scopedKey('runs', served.flow.id, idempotencyKey(request))
      // A repeat that arrived while this request's body was still being read.
      const meanwhile = await repeatedRun(request)
      if (meanwhile) return sendAnswer(reply, await meanwhile, true)
      const body = request.body
      const event = { ...(body.event as Record<string, unknown>) }
      if (body.profile || body.session) {
        // A given profile or session runs outside the journal: it is part of the request.
        const answer = (async (): Promise<Answer> => {
          try {
            const report = await backend.runDirect(served, {
              event,
              profile: body.profile,
              session: body.session,
              flowVersion: served.revision,
              trigger: { type: 'api' },
            })
            return { status: 200, body: report }
          } catch (error) {
            if (error instanceof RunInputError)
              return { status: 400, body: { error: error.message } }
            throw error
          }
        })()
        if (key) {
          remember(key, answer)
          // An internal error is not an answer to repeat: a retry gets a fresh attempt.
          answer.catch(() => remembered.delete(key))
        }
        return sendAnswer(reply, await answer, false)
      }
      const { id, duplicate } = await backend.submit(served.flow.id, event, 'api', key)
      return sendAnswer(reply, await runAnswer(backend, id), duplicate)
    },
  })
}

/**
 * Tracardi's track API: each event goes to every served flow whose `trigger.event` takes its
 * type, as one journaled run per event and flow; the answer says where each went.
 */
function trackRoute(api: FastifyInstance, ctx: ServeRoutesContext): void {
  const { flows, backend } = ctx

  // Tracardi's track API: each event goes to every served flow whose `trigger.event` takes its
  // type, as one journaled run per event and flow; the answer says where each went.
  api.post<{ Body: EventsBody }>('/api/events', {
    schema: { body: EVENTS_BODY },
    handler: async (request, reply) => {
      const body = request.body
      const events = 'events' in body ? (body.events as Record<string, unknown>[]) : [body]
      const listeners = [...flows.values()]
        .map((served) => ({ served, types: acceptedTypes(served) }))
        .filter((l): l is { served: ServedFlow; types: string[] } => l.types !== null)
      // Every submission is started in order before any is awaited, so the batch shares the
      // backend's group commit (one sync, one queue call) and keeps its order per profile.
      const results = await Promise.all(
        events.map(async (given) => {
          const id = typeof given.id === 'string' ? given.id : randomUUID()
          const event: Record<string, unknown> = { ...given, id }
          const type = typeof event.type === 'string' ? event.type : undefined
          const to = listeners.filter(
            ({ types }) => types.length === 0 || (type !== undefined && types.includes(type)),
          )
          if (to.length === 0)
            return {
              id,
              type: type ?? null,
              flows: [],
              note: `No served flow takes events of type "${type ?? ''}"`,
            }
          const routed = await Promise.all(
            to.map(async ({ served }) => ({
              flowId: served.flow.id,
              submission: (await backend.submit(served.flow.id, event, 'event', null)).id,
            })),
          )
          return { id, type: type ?? null, flows: routed }
        }),
      )
      return sendJson(reply, 202, { accepted: true, events: results })
    },
  })
}

interface RunBody {
  event: Record<string, unknown>
  profile?: Record<string, unknown> | null
  session?: Record<string, unknown> | null
}

const RUN_BODY = {
  type: 'object',
  required: ['event'],
  properties: {
    event: { type: 'object' },
    profile: { type: ['object', 'null'] },
    session: { type: ['object', 'null'] },
  },
}

type EventsBody = Record<string, unknown> | { events: Record<string, unknown>[] }

const EVENT = { type: 'object', properties: { type: { type: 'string' } } }
/** One event, or `{ "events": [...] }`. */
const EVENTS_BODY = {
  ...EVENT,
  properties: {
    ...EVENT.properties,
    events: { type: 'array', minItems: 1, maxItems: MAX_EVENTS_PER_REQUEST, items: EVENT },
  },
}
