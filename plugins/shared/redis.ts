/**
 * The Redis clients the Redis connectors share: one per connection secret, opened with the
 * secret's fields (host, port, user, password, db, tls, or url).
 */
import { Redis } from 'ioredis'
import { ConnectionPools, endpoint, failure, tlsMode } from './connections'

export { Redis }

export const DEFAULT_REDIS_TIMEOUT_MS = 5000

export const redisPools = new ConnectionPools<Redis>({
  async open(secret) {
    const { host, port, user, password, url } = endpoint(secret, 6379)
    const tls = url?.protocol === 'rediss:' ? 'on' : tlsMode(secret)
    const dbText =
      secret.db ?? secret.database ?? (url && url.pathname.length > 1 ? url.pathname.slice(1) : '0')
    const db = Number(dbText)
    if (!Number.isInteger(db) || db < 0)
      throw failure('invalid-config', "The connection secret's db field is not a database number")
    const client = new Redis({
      host,
      port,
      username: user,
      password,
      db,
      tls:
        tls === 'off'
          ? undefined
          : { rejectUnauthorized: tls === 'on', ca: secret.ca || undefined },
      lazyConnect: true,
      connectTimeout: DEFAULT_REDIS_TIMEOUT_MS,
      // Fail fast instead of queueing while disconnected; a dead client is replaced by the pool.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    })
    // With no retries, connect() rejects only with "Connection is closed"; the cause (refused,
    // WRONGPASS) arrives here first and is what the user needs to see.
    let cause: unknown = null
    client.on('error', (error: unknown) => {
      cause ??= error
    })
    try {
      await client.connect()
    } catch (error) {
      client.disconnect()
      throw cause ?? error
    }
    return client
  },
  async close(client) {
    await client.quit().catch(() => client.disconnect())
  },
  alive: (client) => client.status === 'ready',
})
