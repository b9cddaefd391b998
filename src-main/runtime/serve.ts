/**
 * The headless runner (design §8): serves production flows over HTTP — webhooks at
 * `POST /hooks/<path>`, schedules, and a small API. Every accepted event is journaled in SQLite
 * before it is acknowledged; a worker runs the journal in order, and marks an event done in the
 * same transaction that saves its run and its state changes, so after a crash each pending event
 * runs exactly once.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { Cron } from 'croner'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { emptyEnvironment } from '../../src-shared/engine/environment'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow } from '../../src-shared/flow/types'
import { nestingProblem } from '../../src-shared/json-depth'
import type { LoadedFlow, PluginSource } from '../engine/load'
import { Redactor, secretValues } from '../engine/redact'
import { Engine, RunInputError } from '../engine/runner'
import type { RunCommit, StateStore } from '../engine/state-store'
import type { RunnerLock } from '../store/runner-lock'
import type { Store } from '../store/store'
import { crossSiteProblem, readBody } from '../web-host/server'
import { redactCredentials } from './redact'
import type { MqttTriggers } from './mqtt-triggers'
import { MQTT_TRIGGER, startMqttTriggers } from './mqtt-triggers'
import { describeMissing, missingSecrets } from './serve-environment'
import type { SignatureConfig } from './webhook-signature'
import { signatureProblem, signatureSecretRef } from './webhook-signature'

export const DEFAULT_BODY_LIMIT = 1024 * 1024

export interface ServeOptions {
  flows: { flow: Flow; revision: number | null }[]
  store: Store
  plugins: PluginSource
  host?: string
  port?: number
  token?: string
  bodyLimit?: number
  /**
   * More names the server answers to besides the ones it is bound to (a reverse proxy's or a
   * tunnel's host name). Any other Host header is refused, which is what stops DNS rebinding.
   */
  allowedHosts?: string[]
  /** Who holds the data directory's runner lock, as a refused second runner is told. */
  runnerName?: string
  log?: (entry: Record<string, unknown>) => void
  /**
   * The secrets and variables the flows run with (design §3), or a function returning the current
   * ones. When given, serving refuses to start while a served flow needs a secret it lacks.
   */
  environment?: RunEnvironment | (() => RunEnvironment)
}

/** A served flow reads a secret the environment does not define. */
export class MissingSecretsError extends Error {
  constructor(readonly missing: ReturnType<typeof missingSecrets>) {
    super(`missing secrets: ${describeMissing(missing)}`)
    this.name = 'MissingSecretsError'
  }
}

export interface Server {
  url: string
  port: number
  /** The webhooks served, and the schedules with their next run. */
  routes(): {
    hooks: { flowId: string; path: string }[]
    schedules: { flowId: string; next: string | null; description: string }[]
  }
  /** Waits until every journaled event has run (tests and shutdown use it). */
  drained(): Promise<void>
  /** Stops accepting, lets in-flight runs finish, stops schedules. */
  close(): Promise<void>
}

interface Served {
  flow: Flow
  loaded: LoadedFlow
  revision: number | null
}

interface JournalRow {
  seq: number
  flow_id: string
  event: string
  source: string
}

/** What a request was answered with; a repeat with the same Idempotency-Key gets it again. */
interface Answer {
  status: number
  body: unknown
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']
// Answers of direct runs (not journaled) kept for Idempotency-Key repeats, newest last.
const MAX_REMEMBERED_ANSWERS = 10_000

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1'
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === ''
}

function hostName(address: string): string {
  return address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase()
}

/**
 * The Host names a server bound to `host` answers to: the names that reach it and nothing
 * else, so a page on another site whose name was rebound to this machine is refused.
 */
function boundHostNames(host: string): string[] {
  if (isLoopback(host)) return LOOPBACK_NAMES
  if (!isWildcard(host)) return [hostName(host)]
  const names = new Set([...LOOPBACK_NAMES, hostName(host), os.hostname().toLowerCase()])
  for (const list of Object.values(os.networkInterfaces()))
    for (const info of list ?? []) names.add(hostName(info.address.split('%')[0]!))
  return [...names]
}

function tokenOk(given: string | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The credentials a request carries. The server's token and a hook's own token can both be
 * needed at once, so each is accepted from either place: `Authorization: Bearer` (the server
 * token, by convention) and `X-Flowbench-Token` (the hook token).
 */
function credentialsOf(req: http.IncomingMessage): string[] {
  const found: string[] = []
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
  if (bearer) found.push(bearer)
  const header = req.headers['x-flowbench-token']
  if (typeof header === 'string' && header) found.push(header)
  return found
}

function send(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(text)
}

function sendAnswer(res: http.ServerResponse, answer: Answer, replayed: boolean): void {
  send(res, answer.status, answer.body, replayed ? { 'idempotent-replayed': 'true' } : {})
}

function isForm(req: http.IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/x-www-form-urlencoded'
}

/**
 * A form body as Slack and Twilio post it: its fields, a repeated one as a list. Built with
 * fromEntries so a field named `__proto__` is a field like any other.
 */
function formFields(body: Buffer): Record<string, unknown> {
  const fields = new Map<string, string | string[]>()
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    const earlier = fields.get(key)
    fields.set(
      key,
      earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value],
    )
  }
  return Object.fromEntries(fields)
}

/** Idempotency keys belong to one route of one flow: the same key elsewhere is another request. */
function scopedKey(route: 'hook' | 'runs', flowId: string, key: string | undefined): string | null {
  return key ? `${route}\u001f${flowId}\u001f${key}` : null
}

export async function serve(options: ServeOptions): Promise<Server> {
  const host = options.host ?? '127.0.0.1'
  if (!isLoopback(host) && !options.token)
    throw new Error(
      `Refusing to listen on ${host} without a token: give --token to serve beyond this machine`,
    )
  // Before the journal is touched: a second runner on this data directory would run its
  // events again and overwrite the first one's profile updates.
  const lock = options.store.lockRunner(options.runnerName ?? 'flowbench serve')
  try {
    return await startServing(options, host, lock)
  } catch (error) {
    lock.release()
    throw error
  }
}

async function startServing(
  options: ServeOptions,
  host: string,
  lock: RunnerLock,
): Promise<Server> {
  const none = emptyEnvironment('production')
  const environment = (): RunEnvironment =>
    typeof options.environment === 'function'
      ? options.environment()
      : (options.environment ?? none)
  if (options.environment) {
    const missing = missingSecrets(
      options.flows.map((f) => f.flow),
      environment(),
      options.plugins,
    )
    if (missing.length > 0) throw new MissingSecretsError(missing)
  }
  // What serve itself writes (its log, its error answers) passes the same redaction as reports.
  let redactor: { secrets: RunEnvironment['secrets']; redactor: Redactor } | null = null
  const redact = <T>(value: T): T => {
    const { secrets } = environment()
    if (redactor?.secrets !== secrets)
      redactor = { secrets, redactor: new Redactor(secretValues(secrets)) }
    return redactor.redactor.empty ? value : redactor.redactor.value(value)
  }
  const write =
    options.log ??
    ((entry) =>
      process.stdout.write(JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n'))
  const log = (entry: Record<string, unknown>): void => write(redact(entry))
  const { store } = options
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT
  // Many small checkpoints instead of a few big ones: a big one stalls acknowledgements.
  store.db.pragma('wal_autocheckpoint = 1000')

  // A run's state changes are held back and saved with its journal mark, in one transaction.
  const markDone = store.db.prepare(
    'UPDATE journal SET status = ?, run_id = ?, finished_at = ? WHERE seq = ?',
  )
  const journaledState: StateStore = {
    loadProfile: (id) => store.state.loadProfile(id),
    loadSession: (id) => store.state.loadSession(id),
    commit(commit: RunCommit) {
      pendingCommit = commit
    },
  }
  let pendingCommit: RunCommit | null = null

  const flows = new Map<string, Served>()
  const hooks = new Map<string, Served>()
  const resolveFlow = (id: string) => flows.get(id)?.flow
  const engine = new Engine({
    plugins: options.plugins,
    store: journaledState,
    resolveFlow,
    environment,
  })
  for (const { flow, revision } of options.flows) {
    const served = { flow, revision, loaded: engine.load(flow) }
    flows.set(flow.id, served)
    const entry = served.loaded.entry.node
    if (entry.plugin === 'trigger.webhook') {
      const path = String((entry.config as { path?: unknown }).path ?? '').replace(/^\/+/, '')
      if (hooks.has(path))
        throw new Error(
          `Flows "${hooks.get(path)!.flow.id}" and "${flow.id}" both serve /hooks/${path}`,
        )
      hooks.set(path, served)
    }
  }

  const insert = store.db.prepare(
    'INSERT INTO journal (flow_id, idempotency_key, event, source, received_at) VALUES (?, ?, ?, ?, ?)',
  )
  const byKey = store.db.prepare('SELECT seq FROM journal WHERE idempotency_key = ?')
  const bySeq = store.db.prepare('SELECT status, run_id FROM journal WHERE seq = ?')
  const countPending = store.db.prepare(
    "SELECT count(*) AS n FROM journal WHERE status = 'pending'",
  )
  const nextPending = store.db.prepare(
    "SELECT seq, flow_id, event, source FROM journal WHERE status = 'pending' ORDER BY seq LIMIT 1",
  )

  function enqueue(
    flowId: string,
    event: Record<string, unknown>,
    source: string,
    key: string | null,
  ): { seq: number; duplicate: boolean } {
    const existing = journaledKey(key)
    if (existing !== null) return { seq: existing, duplicate: true }
    const info = insert.run(flowId, key, JSON.stringify(event), source, new Date().toISOString())
    wake()
    return { seq: Number(info.lastInsertRowid), duplicate: false }
  }

  function journaledKey(key: string | null): number | null {
    if (!key) return null
    return (byKey.get(key) as { seq: number } | undefined)?.seq ?? null
  }

  /**
   * The report of a journaled event: at once when it has run (also in an earlier process),
   * else when the worker gets to it; null when it was refused. `undefined` means the run was
   * pruned since (run retention), so there is nothing to answer with any more.
   */
  function outcomeOf(seq: number): Promise<ExecutionReport | null | undefined> {
    const row = bySeq.get(seq) as { status: string; run_id: string | null } | undefined
    if (!row || row.status === 'pending')
      return new Promise((resolve) => {
        const list = waiters.get(seq) ?? []
        list.push(resolve)
        waiters.set(seq, list)
      })
    if (!row.run_id) return Promise.resolve(null)
    try {
      return Promise.resolve(store.getRun(row.run_id))
    } catch {
      return Promise.resolve(undefined)
    }
  }

  // The worker: one event at a time, in journal order.
  let working: Promise<void> | null = null
  let stopping = false
  const waiters = new Map<number, ((report: ExecutionReport | null) => void)[]>()
  function wake(): void {
    if (!working && !stopping) working = work().finally(() => (working = null))
  }
  async function work(): Promise<void> {
    for (;;) {
      const row = nextPending.get() as JournalRow | undefined
      if (!row) return
      pendingCommit = null
      const served = flows.get(row.flow_id)
      let report: ExecutionReport | null = null
      if (served) {
        try {
          report = await engine.run(served.loaded, {
            event: JSON.parse(row.event),
            flowVersion: served.revision,
            trace: 'summary',
            trigger: { type: row.source },
          })
        } catch (error) {
          if (!(error instanceof RunInputError)) throw error
          log({ level: 'warn', msg: 'event refused', seq: row.seq, reason: error.message })
        }
      }
      const finished = new Date().toISOString()
      store.db.transaction(() => {
        if (pendingCommit) store.state.commit(pendingCommit)
        if (report) store.recordRun(report)
        markDone.run(
          report ? (report.success ? 'done' : 'failed') : 'refused',
          report?.runId ?? null,
          finished,
          row.seq,
        )
      })()
      log({
        level: report?.success ? 'info' : 'warn',
        msg: 'run finished',
        seq: row.seq,
        flowId: row.flow_id,
        runId: report?.runId,
        status: report?.status ?? 'refused',
        durationMs: report?.durationMs,
      })
      for (const resolve of waiters.get(row.seq) ?? []) resolve(report)
      waiters.delete(row.seq)
      // Synchronous flows finish in microtasks; yield so requests are acknowledged in between.
      await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }

  // Schedules: each tick is an event in the journal like any other.
  const timers: { stop(): void }[] = []
  const schedules: { flowId: string; description: string; next(): Date | null }[] = []
  for (const served of flows.values()) {
    const entry = served.loaded.entry.node
    if (entry.plugin !== 'trigger.schedule') continue
    const config = entry.config as {
      cron?: string
      intervalMs?: number
      timezone?: string
      eventType?: string
      properties?: Record<string, unknown>
    }
    const tick = (): void => {
      const event = {
        type: config.eventType ?? 'schedule',
        source: 'schedule',
        properties: { ...(config.properties ?? {}) },
      }
      enqueue(served.flow.id, event, 'schedule', null)
    }
    if (config.cron) {
      const job = new Cron(config.cron, { timezone: config.timezone }, tick)
      timers.push({ stop: () => job.stop() })
      schedules.push({
        flowId: served.flow.id,
        description: `cron ${config.cron}`,
        next: () => job.nextRun(),
      })
    } else if (config.intervalMs) {
      const every = config.intervalMs
      let last = Date.now()
      const timer = setInterval(() => {
        last = Date.now()
        tick()
      }, every)
      timers.push({ stop: () => clearInterval(timer) })
      schedules.push({
        flowId: served.flow.id,
        description: `every ${every} ms`,
        next: () => new Date(last + every),
      })
    }
  }

  function requireToken(
    req: http.IncomingMessage,
    expected: string | undefined,
    what = 'token',
  ): void {
    if (!expected) return
    if (!credentialsOf(req).some((given) => tokenOk(given, expected)))
      throw new HttpProblem(401, `Missing or wrong ${what}`)
  }

  let port = 0
  const hostNames = boundHostNames(host)
  const extraHosts = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()))
  /** Whether a Host header names this server (see boundHostNames and allowedHosts). */
  function hostAllowed(header: string | undefined): boolean {
    if (!header) return false
    const value = header.toLowerCase()
    if (hostNames.some((name) => value === `${name}:${port}` || (port === 80 && value === name)))
      return true
    return extraHosts.has(value) || extraHosts.has(value.replace(/:\d+$/, ''))
  }

  async function rawBody(req: http.IncomingMessage): Promise<Buffer> {
    try {
      return await readBody(req, bodyLimit)
    } catch (error) {
      const status = (error as { status?: number }).status
      throw new HttpProblem(status === 413 ? 413 : 400, (error as Error).message)
    }
  }

  async function jsonBody(req: http.IncomingMessage): Promise<unknown> {
    return parseJson(await rawBody(req))
  }

  function parseJson(body: Buffer): unknown {
    if (body.length === 0) return {}
    const text = body.toString('utf8')
    const tooDeep = nestingProblem(text)
    if (tooDeep) throw new HttpProblem(400, `The body is refused: ${tooDeep}`)
    try {
      return JSON.parse(text)
    } catch (error) {
      throw new HttpProblem(400, `The body is not valid JSON: ${(error as Error).message}`)
    }
  }

  function fieldOrHeader(
    req: http.IncomingMessage,
    body: Record<string, unknown>,
    spec: string | undefined,
  ): string | undefined {
    if (!spec) return undefined
    if (spec.startsWith('header:')) {
      const value = req.headers[spec.slice(7).toLowerCase()]
      return typeof value === 'string' ? value : undefined
    }
    const value = body[spec]
    return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined
  }

  function checkSignature(
    req: http.IncomingMessage,
    path: string,
    signature: SignatureConfig,
    raw: Buffer,
  ): void {
    const ref = signatureSecretRef(signature)
    const secret = ref ? environment().secrets[ref.name]?.[ref.field] : undefined
    if (typeof secret !== 'string' || secret === '') {
      log({
        level: 'error',
        msg: 'signing secret not set',
        path: `/hooks/${path}`,
        secret: signature.secret,
      })
      throw new HttpProblem(503, `The signing secret of /hooks/${path} is not set on this server`)
    }
    const problem = signatureProblem(signature, secret, req, raw)
    if (problem) {
      log({ level: 'warn', msg: 'signature refused', path: `/hooks/${path}`, reason: problem })
      throw new HttpProblem(401, problem)
    }
  }

  function idempotencyKey(req: http.IncomingMessage): string | undefined {
    const key = req.headers['idempotency-key']
    return typeof key === 'string' && key ? key : undefined
  }

  /** The answer to a journaled API run: its report, once it has run (now or long ago). */
  async function runAnswer(seq: number): Promise<Answer> {
    const report = await outcomeOf(seq)
    if (report === undefined)
      return { status: 410, body: { error: 'The run of this request is no longer kept' } }
    if (!report)
      return { status: 400, body: { error: 'The event was refused (see the server log)' } }
    return { status: 200, body: report }
  }

  // Direct runs (with a given profile/session) are not journaled: their answers are remembered
  // here for repeats while this process runs.
  const remembered = new Map<string, Promise<Answer>>()
  function remember(key: string, answer: Promise<Answer>): void {
    remembered.set(key, answer)
    if (remembered.size > MAX_REMEMBERED_ANSWERS)
      remembered.delete(remembered.keys().next().value as string)
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Before anything else, /healthz included: a page on another site whose name was rebound
    // to this address must not read a byte.
    if (!hostAllowed(req.headers.host))
      throw new HttpProblem(403, `Host "${req.headers.host ?? ''}" is not served here`)
    const url = new URL(req.url ?? '/', 'http://serve.local')
    let parts: string[]
    try {
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent)
    } catch {
      throw new HttpProblem(400, 'The path has a malformed percent-encoding')
    }
    if (req.method === 'GET' && url.pathname === '/healthz')
      return send(res, 200, {
        ok: true,
        flows: flows.size,
        pending: (countPending.get() as { n: number }).n,
      })
    // Browsers send these; webhooks senders and API clients do not. A form post or fetch from
    // another site must not start runs or read flows.
    const crossSite = crossSiteProblem(req)
    if (crossSite) throw new HttpProblem(403, crossSite)
    if (stopping) throw new HttpProblem(503, 'Shutting down')
    requireToken(req, options.token)

    if (parts[0] === 'hooks') {
      const path = parts.slice(1).join('/')
      const served = hooks.get(path)
      if (!served) throw new HttpProblem(404, `No flow serves /hooks/${path}`)
      const config = served.loaded.entry.node.config as {
        methods?: string[]
        token?: string
        waitForRun?: boolean
        eventType?: string
        profileIdField?: string
        sessionIdField?: string
        signature?: SignatureConfig
      }
      if (!(config.methods ?? ['POST']).includes(req.method ?? ''))
        throw new HttpProblem(
          405,
          `/hooks/${path} accepts ${(config.methods ?? ['POST']).join(', ')}`,
        )
      if (config.token) requireToken(req, config.token, 'hook token (X-Flowbench-Token)')
      const raw = await rawBody(req)
      // Before the body is even parsed: an unsigned request costs the server nothing more.
      if (config.signature) checkSignature(req, path, config.signature, raw)
      const body = isForm(req) ? formFields(raw) : parseJson(raw)
      const properties =
        body && typeof body === 'object' && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : { body }
      const event = {
        id: randomUUID(),
        type: config.eventType ?? 'webhook',
        source: `webhook:${path}`,
        properties,
        context: { userAgent: req.headers['user-agent'] ?? null },
        profileId: fieldOrHeader(req, properties, config.profileIdField),
        sessionId: fieldOrHeader(req, properties, config.sessionIdField),
      }
      const key = scopedKey('hook', served.flow.id, idempotencyKey(req))
      const { seq, duplicate } = enqueue(served.flow.id, event, 'webhook', key)
      if (config.waitForRun) {
        const report = await outcomeOf(seq)
        const answer: Answer =
          report === undefined
            ? { status: 410, body: { error: 'The run of this request is no longer kept' } }
            : {
                status: report?.success ? 200 : 500,
                body: report ?? { accepted: true, seq, status: 'refused' },
              }
        return sendAnswer(res, answer, duplicate)
      }
      return sendAnswer(res, { status: 202, body: { accepted: true, seq } }, duplicate)
    }

    if (parts[0] === 'api') {
      if (req.method === 'GET' && parts[1] === 'flows' && parts.length === 2) {
        return send(
          res,
          200,
          [...flows.values()].map((s) => ({
            id: s.flow.id,
            name: s.flow.name,
            revision: s.revision,
            trigger: s.loaded.entry.node.plugin,
          })),
        )
      }
      if (parts[1] === 'flows' && parts[2]) {
        const served = flows.get(parts[2])
        if (!served) throw new HttpProblem(404, `Flow "${parts[2]}" is not served here`)
        if (req.method === 'GET' && parts.length === 3)
          return send(res, 200, {
            id: served.flow.id,
            revision: served.revision,
            flow: redactCredentials(served.flow),
          })
        if (req.method === 'POST' && parts[3] === 'runs' && parts.length === 4) {
          const key = scopedKey('runs', served.flow.id, idempotencyKey(req))
          // A repeat is answered before its body is even looked at.
          const earlier = key ? remembered.get(key) : undefined
          if (earlier) return sendAnswer(res, await earlier, true)
          const journaled = journaledKey(key)
          if (journaled !== null) return sendAnswer(res, await runAnswer(journaled), true)

          const body = (await jsonBody(req)) as {
            event?: unknown
            profile?: unknown
            session?: unknown
          }
          if (!body || typeof body !== 'object' || !body.event || typeof body.event !== 'object')
            throw new HttpProblem(
              400,
              'Send { "event": { … }, "profile"?: { … }, "session"?: { … } }',
            )
          // A repeat that arrived while this request's body was still being read.
          const meanwhile = key ? remembered.get(key) : undefined
          if (meanwhile) return sendAnswer(res, await meanwhile, true)
          const event = { ...(body.event as Record<string, unknown>) }
          if (body.profile || body.session) {
            // A given profile or session runs outside the journal: it is part of the request.
            const direct = new Engine({
              plugins: options.plugins,
              store: store.state,
              resolveFlow,
              environment,
            })
            const answer = (async (): Promise<Answer> => {
              try {
                const report = await direct.run(served.loaded, {
                  event,
                  profile: body.profile,
                  session: body.session,
                  flowVersion: served.revision,
                  trigger: { type: 'api' },
                })
                store.recordRun(report)
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
            return sendAnswer(res, await answer, false)
          }
          const { seq, duplicate } = enqueue(served.flow.id, event, 'api', key)
          return sendAnswer(res, await runAnswer(seq), duplicate)
        }
      }
      if (req.method === 'GET' && parts[1] === 'runs' && parts[2] && parts.length === 3) {
        try {
          return send(res, 200, store.getRun(parts[2]))
        } catch {
          throw new HttpProblem(404, `Run "${parts[2]}" was not found`)
        }
      }
    }
    throw new HttpProblem(404, `Nothing at ${req.method} ${url.pathname}`)
  }

  // MQTT triggers: each message is journaled like a webhook call (see runtime/mqtt-triggers.ts).
  let mqttTriggers: MqttTriggers | null = null
  const mqttFlows = [...flows.values()]
    .filter((s) => s.loaded.entry.node.plugin === MQTT_TRIGGER)
    .map((s) => ({ flowId: s.flow.id, config: s.loaded.entry.node.config }))
  if (mqttFlows.length > 0) {
    try {
      mqttTriggers = await startMqttTriggers({
        flows: mqttFlows,
        secrets: () => environment().secrets,
        submit: (flowId, event) => void enqueue(flowId, event, 'mqtt', null),
        log,
      })
    } catch (error) {
      for (const t of timers) t.stop()
      throw error
    }
  }

  const server = http.createServer((req, res) => {
    const started = performance.now()
    handle(req, res)
      .catch((error: unknown) => {
        req.resume()
        if (res.headersSent) return res.destroy()
        if (error instanceof HttpProblem) send(res, error.status, { error: redact(error.message) })
        else {
          log({ level: 'error', msg: 'request failed', error: (error as Error).message })
          send(res, 500, { error: 'Internal error' })
        }
      })
      .finally(() => {
        if (res.statusCode >= 400)
          log({
            level: 'info',
            msg: 'request',
            method: req.method,
            path: req.url,
            status: res.statusCode,
            ms: Math.round((performance.now() - started) * 100) / 100,
          })
      })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => resolve())
  }).catch(async (error: unknown) => {
    for (const t of timers) t.stop()
    await mqttTriggers?.close()
    throw error
  })
  port = (server.address() as AddressInfo).port
  log({
    level: 'info',
    msg: 'serving',
    host,
    port,
    flows: [...flows.keys()],
    hooks: [...hooks.keys()].map((h) => `/hooks/${h}`),
  })
  wake() // Events a crash left pending run now, once each.

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    routes() {
      return {
        hooks: [...hooks.entries()].map(([path, served]) => ({ flowId: served.flow.id, path })),
        schedules: schedules.map((s) => ({
          flowId: s.flowId,
          description: s.description,
          next: s.next()?.toISOString() ?? null,
        })),
      }
    },
    async drained() {
      for (;;) {
        if (working) await working
        const pending = nextPending.get()
        if (!pending && !working) return
        if (pending && !working) wake()
        await new Promise((r) => setTimeout(r, 5))
      }
    },
    async close() {
      stopping = true
      for (const t of timers) t.stop()
      await mqttTriggers?.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      if (working) await working
      lock.release()
      log({ level: 'info', msg: 'stopped' })
    },
  }
}
