/**
 * What the connector plugins (sql.query, redis.command, mqtt.publish, email.send, trigger.mqtt)
 * share: credentials read from one secret, connections pooled across runs, and errors that carry
 * the server's message but never a password.
 *
 * A plugin's action lives for one run (design §4), but opening a database connection per run
 * would cost more than most flows do. So a run leases a connection from a pool kept per
 * connection settings, and gives the lease back in `close()`; a pool no run has used for a while
 * closes itself, and `closeAllConnections()` closes every pool (serve's shutdown, tests).
 */
import { createHash } from 'node:crypto'
import type { PluginContext } from '../../src-shared/plugin-sdk'

/** The fields of a connection secret, as `flowbench secrets set` or FLOWBENCH_SECRET_* give them. */
export type ConnectionSecret = Record<string, string>

/** `secret@NAME`: the whole secret, whose fields (host, port, user, password, …) the plugin reads. */
export const CONNECTION_PATTERN = '^secret@[A-Za-z0-9_-]+$'

export function connectionSchema(fields: string): Record<string, unknown> {
  return {
    type: 'string',
    title: 'Connection',
    pattern: CONNECTION_PATTERN,
    description: `A secret holding the connection: secret@NAME with fields ${fields}`,
  }
}

export function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

/**
 * A test run never reaches a real system: a connector node without a mock fails, saying what it
 * would have done and which mock stands in for it.
 */
export function refuseInTests(ctx: PluginContext, wouldDo: string, mock: string): void {
  if (ctx.testing)
    throw failure(
      'no-mock',
      `Node "${ctx.nodeId}" would ${wouldDo} during a test; add a mock for it (${mock})`,
    )
}

/** Reads the connection secret the config names; credentials never come from anywhere else. */
export function readConnection(ctx: PluginContext, ref: unknown): ConnectionSecret {
  if (typeof ref !== 'string' || !new RegExp(CONNECTION_PATTERN).test(ref))
    throw failure(
      'invalid-config',
      'The connection must be a secret reference like secret@warehouse',
    )
  const value = ctx.read(ref)
  if (value === null || typeof value !== 'object' || Object.keys(value).length === 0)
    throw failure(
      'missing-secret',
      `The secret ${ref.slice('secret@'.length)} is not set in this environment`,
    )
  const out: ConnectionSecret = {}
  for (const [key, field] of Object.entries(value as Record<string, unknown>))
    if (typeof field === 'string') out[key.toLowerCase()] = field
  return out
}

/** `url` or `host` (+ `port`, `user`, `password`), with the defaults of the protocol. */
export function endpoint(
  secret: ConnectionSecret,
  defaultPort: number,
): { host: string; port: number; user?: string; password?: string; url?: URL } {
  let url: URL | undefined
  if (secret.url) {
    try {
      url = new URL(secret.url)
    } catch {
      // The text may hold a password: it is not repeated.
      throw failure('invalid-config', "The connection secret's url field is not a URL")
    }
  }
  const host = secret.host ?? url?.hostname ?? '127.0.0.1'
  const portText = secret.port ?? (url?.port || String(defaultPort))
  const port = Number(portText)
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw failure('invalid-config', "The connection secret's port is not a port number")
  const user =
    secret.user ?? secret.username ?? (url?.username ? decodeURIComponent(url.username) : undefined)
  const password = secret.password ?? (url?.password ? decodeURIComponent(url.password) : undefined)
  return { host, port, user: user || undefined, password: password || undefined, url }
}

/** `tls` field: on/true/require (verify the certificate), insecure (encrypt, do not verify), off. */
export function tlsMode(
  secret: ConnectionSecret,
  fallback: 'off' | 'on' = 'off',
): 'off' | 'on' | 'insecure' {
  const value = (secret.tls ?? '').trim().toLowerCase()
  if (value === '') return fallback
  if (['on', 'true', 'yes', 'require', 'verify', '1'].includes(value)) return 'on'
  if (['insecure', 'no-verify', 'allow-unverified'].includes(value)) return 'insecure'
  if (['off', 'false', 'no', 'disable', '0'].includes(value)) return 'off'
  throw failure('invalid-config', "The connection secret's tls field must be on, insecure or off")
}

/**
 * The message of a client library's error without any credential in it: the server's own text
 * (e.g. `password authentication failed for user "ann"`) is kept, a password or a URL with
 * credentials is cut out. The engine masks secret values in reports too; this also covers a
 * password given inside a `url` field, which the engine knows only as part of the whole URL.
 */
export function cleanMessage(error: unknown, secret: ConnectionSecret): string {
  let message = error instanceof Error ? error.message : String(error)
  if (error instanceof AggregateError && error.errors.length > 0 && !message)
    message = error.errors
      .map((e: unknown) => (e instanceof Error ? e.message : String(e)))
      .join('; ')
  const password = secret.password ?? (secret.url ? safePassword(secret.url) : undefined)
  if (password) message = message.split(password).join('••••')
  if (secret.url) message = message.split(secret.url).join('••••')
  return message.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1••••@')
}

function safePassword(url: string): string | undefined {
  try {
    const parsed = new URL(url)
    return parsed.password ? decodeURIComponent(parsed.password) : undefined
  } catch {
    return undefined
  }
}

/** Rejects with a `timeout` failure when `work` takes longer than `ms` or the run is cancelled. */
export async function withTimeLimit<T>(
  work: Promise<T>,
  ms: number,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(failure('timeout', `${what} timed out after ${ms} ms`)), ms)
    if (signal) {
      onAbort = () =>
        reject(
          signal.reason instanceof Error
            ? signal.reason
            : failure('cancelled', 'The run was cancelled'),
        )
      if (signal.aborted) onAbort()
      else signal.addEventListener('abort', onAbort, { once: true })
    }
  })
  // The losing side must not become an unhandled rejection later.
  work.catch(() => {})
  try {
    return await Promise.race([work, limit])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal?.removeEventListener('abort', onAbort)
  }
}

interface PoolEntry<T> {
  opening: Promise<T>
  leases: number
  idle: NodeJS.Timeout | null
}

export interface PoolKind<T> {
  /** Opens the shared client (a pg.Pool, an ioredis client, …); rejects when it cannot. */
  open(secret: ConnectionSecret): Promise<T>
  close(resource: T): Promise<void> | void
  /** False once the client is gone for good (closed by the server, failed auth): it is reopened. */
  alive?(resource: T): boolean
}

export interface Lease<T> {
  resource: T
  release(): void
}

const allPools = new Set<ConnectionPools<unknown>>()

/** The shared clients of one kind, one per distinct connection secret. */
export class ConnectionPools<T> {
  private readonly entries = new Map<string, PoolEntry<T>>()

  constructor(
    private readonly kind: PoolKind<T>,
    /** How long an unused client stays open for the next run. */
    private readonly idleMs = 30_000,
  ) {
    allPools.add(this as ConnectionPools<unknown>)
  }

  /** The settings are the key; the password is hashed so the key holds no credential. */
  private keyOf(secret: ConnectionSecret): string {
    const sorted = Object.keys(secret)
      .sort()
      .map((k) => [k, secret[k]])
    return createHash('sha256').update(JSON.stringify(sorted)).digest('hex')
  }

  /**
   * A lease, or the error a node reports: `timeout`, or `connection-error` with the server's
   * message under the service's name and the secret's password cut out.
   */
  async connect(
    secret: ConnectionSecret,
    timeoutMs: number,
    what: string,
    service: string,
    signal?: AbortSignal,
  ): Promise<Lease<T>> {
    try {
      return await this.lease(secret, timeoutMs, what, signal)
    } catch (error) {
      const code = (error as { code?: unknown }).code
      throw failure(
        code === 'timeout' ? 'timeout' : 'connection-error',
        `${service}: ${cleanMessage(error, secret)}`,
      )
    }
  }

  async lease(
    secret: ConnectionSecret,
    timeoutMs: number,
    what: string,
    signal?: AbortSignal,
  ): Promise<Lease<T>> {
    const key = this.keyOf(secret)
    let entry = this.entries.get(key)
    if (entry) {
      const current = entry
      const resource = await current.opening.catch(() => null)
      if (resource === null || (this.kind.alive && !this.kind.alive(resource))) {
        if (this.entries.get(key) === current) this.entries.delete(key)
        if (resource !== null && current.leases === 0) void this.closeQuietly(resource)
        entry = undefined
      }
    }
    if (!entry) {
      const opening = this.kind.open(secret)
      entry = { opening, leases: 0, idle: null }
      this.entries.set(key, entry)
      const created = entry
      // A client that could not open is forgotten, so the next run tries again.
      opening.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key)
      })
    }
    const held = entry
    held.leases++
    if (held.idle) {
      clearTimeout(held.idle)
      held.idle = null
    }
    let resource: T
    try {
      resource = await withTimeLimit(held.opening, timeoutMs, what, signal)
    } catch (error) {
      this.giveBack(key, held)
      throw error
    }
    let released = false
    return {
      resource,
      release: () => {
        if (released) return
        released = true
        this.giveBack(key, held)
      },
    }
  }

  private giveBack(key: string, entry: PoolEntry<T>): void {
    entry.leases--
    if (entry.leases > 0) return
    entry.idle = setTimeout(() => {
      if (entry.leases > 0 || this.entries.get(key) !== entry) return
      this.entries.delete(key)
      void entry.opening.then(
        (r) => this.closeQuietly(r),
        () => {},
      )
    }, this.idleMs)
    // An idle pool must not keep a CLI run's process alive.
    entry.idle.unref()
  }

  private async closeQuietly(resource: T): Promise<void> {
    try {
      await this.kind.close(resource)
    } catch {
      // Closing a client whose server went away can fail; there is nothing left to free.
    }
  }

  /** How many clients are open (tests check that runs share one). */
  get size(): number {
    return this.entries.size
  }

  async closeAll(): Promise<void> {
    const entries = [...this.entries.values()]
    this.entries.clear()
    await Promise.all(
      entries.map(async (entry) => {
        if (entry.idle) clearTimeout(entry.idle)
        const resource = await entry.opening.catch(() => null)
        if (resource !== null) await this.closeQuietly(resource)
      }),
    )
  }
}

/** Closes every pooled connection of every connector (serve's shutdown, the end of a test file). */
export async function closeAllConnections(): Promise<void> {
  await Promise.all([...allPools].map((pools) => pools.closeAll()))
}
