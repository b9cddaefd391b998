/**
 * The one HTTP stack every server of the project runs on (the web host and `serve`): Fastify for
 * routing, body limits and error handling, with the checks every server needs done once, here,
 * before any route runs — the Host header (DNS rebinding), browser cross-site requests, the
 * token — and the same error answers and request log lines everywhere.
 *
 * Routes say what they allow through their config: `public` (no token, any site: /healthz, the
 * renderer's files) or `noToken` (the route checks its own credentials or answers without one).
 */
import { timingSafeEqual } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { decodeJson } from './body'
import { boundHostNames, crossSiteProblem, hostRule } from './host-rules'
import { HttpProblem, problem } from './problem'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may call it: no token, no cross-site check (the Host check still applies). */
    public?: boolean
    /** No server token needed (the cross-site check still applies). */
    noToken?: boolean
  }
}

export type LogEntry = Record<string, unknown>
export type Log = (entry: LogEntry) => void

export interface HttpServerOptions {
  /** The address to bind; the Host names it answers to follow from it. */
  host: string
  port?: number
  /** More Host names to answer to (a reverse proxy's, a tunnel's), with or without a port. */
  allowedHosts?: string[]
  /** When set, every route that is not `public`/`noToken` needs it (Bearer or X-Flowbench-Token). */
  token?: string
  /** Bytes; a bigger body is a 413 before it is read. */
  bodyLimit: number
  /** One JSON-able entry per line worth logging; tests pass their own to silence or capture. */
  log?: Log
  /** Applied to every error message and log entry (secret values read `••••`). */
  redact?: <T>(value: T) => T
  /** The JSON an error is answered with. */
  errorBody?: (problem: HttpProblem) => unknown
  /** Internal errors answer this message instead of their own (serve hides its internals). */
  internalMessage?: string
  /** Whether requests no route matches need the token (serve: yes; the web host: no). */
  notFoundPublic?: boolean
  /** Whether closing drops open connections too (a browser tab's) instead of waiting for them. */
  closeAllConnections?: boolean
  /** Why requests that need the token are refused right now (shutting down), checked first. */
  unavailable?: () => HttpProblem | null
}

export interface HttpServer {
  app: FastifyInstance
  /** Binds; resolves with the port. */
  listen(): Promise<number>
  readonly port: number
  /** `http://host:port`, with brackets around an IPv6 address. */
  readonly url: string
  /** Stops accepting and closes idle and open connections. */
  close(): Promise<void>
}

export const noLog: Log = () => {}

export function jsonLog(entry: LogEntry): void {
  process.stdout.write(JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n')
}

function tokenOk(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/**
 * The credentials a request carries. A server's token and a route's own token can both be
 * needed at once, so each is accepted from either place: `Authorization: Bearer` and
 * `X-Flowbench-Token`.
 */
export function credentialsOf(request: FastifyRequest): string[] {
  const found: string[] = []
  const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1]
  if (bearer) found.push(bearer)
  const header = request.headers['x-flowbench-token']
  if (typeof header === 'string' && header) found.push(header)
  return found
}

function hasToken(request: FastifyRequest, expected: string): boolean {
  return credentialsOf(request).some((given) => tokenOk(given, expected))
}

function tokenProblem(what = 'token: send "Authorization: Bearer <token>"'): HttpProblem {
  return problem(401, `Missing or wrong ${what}`)
}

/** Throws 401 unless the request carries `expected` (a no-op when nothing is expected). */
export function requireToken(
  request: FastifyRequest,
  expected: string | undefined,
  what?: string,
): void {
  if (expected && !hasToken(request, expected)) throw tokenProblem(what)
}

/** What Fastify's own errors (body too large, bad media type, …) mean to a client. */
function asProblem(error: FastifyError, bodyLimit: number): HttpProblem | null {
  if (error instanceof HttpProblem) return error
  const status = error.statusCode
  if (!status || status >= 500) return null
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return problem(413, `Request body exceeds the limit of ${bodyLimit} bytes`, 'body-too-large')
  if (error.validation) return problem(400, `The body is refused: ${error.message}`, 'invalid-body')
  if (error.code === 'FST_ERR_BAD_URL')
    return problem(400, 'The path has a malformed percent-encoding', 'bad-path')
  return problem(status, error.message)
}

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const log = options.log ?? noLog
  const redact = options.redact ?? (<T>(value: T) => value)
  const errorBody = options.errorBody ?? ((p: HttpProblem) => ({ error: p.message }))
  const hostAllowed = hostRule(boundHostNames(options.host), options.allowedHosts)
  let port = 0

  const send = (reply: FastifyReply, error: HttpProblem): FastifyReply =>
    reply
      .code(error.status)
      .headers(JSON_HEADERS)
      .send(errorBody(new HttpProblem(error.status, error.code, redact(error.message))))

  const app = Fastify({
    logger: false,
    // Ids in paths (flows, runs, profiles) are the client's; the 16 KB header limit bounds them.
    // `/api/flows/` and `//hooks//x` are the paths they were before this stack: slashes are
    // separators, empty segments mean nothing.
    routerOptions: {
      maxParamLength: 8192,
      ignoreTrailingSlash: true,
      ignoreDuplicateSlashes: true,
    },
    // A body is checked as sent: no string turned into a number, no field dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    forceCloseConnections: options.closeAllConnections ? true : 'idle',
    bodyLimit: options.bodyLimit,
    // A path the router cannot decode never reaches a route; it is the client's 400, but the
    // Host check still comes first so a rebound name learns nothing.
    frameworkErrors: (error, request, reply) => {
      const known = asProblem(error, options.bodyLimit)
      if (!hostAllowed(request.headers.host, port))
        return send(reply, forbiddenHost(request.headers.host))
      return send(reply, known ?? problem(400, error.message))
    },
  })

  // Bodies stay bytes of any type unless a context asks for JSON (jsonBodies): signatures need
  // the raw bytes.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body))

  // Callback-style hooks: they run on every request, and a promise per hook is measurable.
  app.addHook('onRequest', (request, _reply, done) => {
    // Before anything else, /healthz included: a page on another site whose name was rebound
    // to this address must not read a byte.
    if (!hostAllowed(request.headers.host, port)) return done(forbiddenHost(request.headers.host))
    const config: { public?: boolean; noToken?: boolean } = request.is404
      ? { public: options.notFoundPublic }
      : request.routeOptions.config
    if (config.public) return done()
    // Browsers send these; webhook senders and API clients do not. A form post or fetch from
    // another site must not start runs or read anything.
    const crossSite = crossSiteProblem(request.headers)
    if (crossSite) return done(problem(403, crossSite, 'cross-site'))
    const unavailable = options.unavailable?.()
    if (unavailable) return done(unavailable)
    if (!config.noToken && options.token && !hasToken(request, options.token))
      return done(tokenProblem())
    done()
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const known = asProblem(error, options.bodyLimit)
    if (known) return send(reply, known)
    log(
      redact({
        level: 'error',
        msg: 'request failed',
        method: request.method,
        path: request.url,
        error: error.message,
      }),
    )
    return send(reply, problem(500, options.internalMessage ?? error.message, 'internal'))
  })

  // Refusals and failures are worth a line; successful requests are the bulk and are not.
  app.addHook('onResponse', (request, reply, done) => {
    try {
      if (reply.statusCode >= 400)
        log(
          redact({
            level: 'info',
            msg: 'request',
            method: request.method,
            path: request.url,
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime * 100) / 100,
          }),
        )
    } finally {
      done()
    }
  })

  const server: HttpServer = {
    app,
    async listen() {
      await app.listen({ host: options.host, port: options.port ?? 0 })
      port = (app.server.address() as AddressInfo).port
      return port
    },
    get port() {
      return port
    },
    get url() {
      const host = options.host.includes(':') ? `[${options.host}]` : options.host
      return `http://${host}:${port}`
    },
    async close() {
      await app.close()
    },
  }
  return server
}

export const JSON_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
}

/**
 * Makes every body of this Fastify context JSON (whatever its content type, as API clients
 * send it), decoded within the nesting limit before route schemas check it.
 */
export function jsonBodies(context: FastifyInstance): void {
  context.removeAllContentTypeParsers()
  context.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, decodeJson(body as Buffer))
    } catch (error) {
      done(error as Error, undefined)
    }
  })
}

function forbiddenHost(header: string | undefined): HttpProblem {
  return problem(403, `Host "${header ?? ''}" is not served here`, 'forbidden-host')
}

/** Sends `body` as JSON with the headers every API answer carries. */
export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(status)
    .headers({ ...JSON_HEADERS, ...headers })
    .send(JSON.stringify(body))
}
