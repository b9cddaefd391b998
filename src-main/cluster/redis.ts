/**
 * The queue's Redis: a connection BullMQ can use (`maxRetriesPerRequest: null`, so commands wait
 * out a Redis restart instead of failing), checked at start-up: reachable, and configured as
 * BullMQ requires — `maxmemory-policy noeviction`, since an evicting Redis silently drops jobs.
 */
import { Redis } from 'ioredis'
import { ClusterConnectionError, describeUrl } from './database'

export function checkRedisUrl(url: string): void {
  if (!/^rediss?:\/\//.test(url))
    throw new ClusterConnectionError(
      `--queue must be a redis:// or rediss:// URL, got "${url.split('@').pop()}"`,
    )
}

/** A long-lived connection for BullMQ's Queue and Worker. */
export function redisConnection(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true })
  // Reconnects are ioredis's job; an unhandled 'error' event would crash the process meanwhile.
  redis.on('error', () => {})
  return redis
}

/** Fails with a clear message when Redis cannot be reached or would evict jobs. */
export async function checkRedis(url: string): Promise<void> {
  checkRedisUrl(url)
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 5000,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  })
  probe.on('error', () => {})
  try {
    try {
      await probe.connect()
    } catch (error) {
      const e = error as { code?: string; message?: string }
      throw new ClusterConnectionError(
        `cannot reach Redis at ${describeUrl(url)}: ${e.code ?? e.message ?? String(error)}`,
      )
    }
    let info: string
    try {
      info = await probe.info('memory')
    } catch (error) {
      // Wrong password and the like: Redis's own message names no secret.
      throw new ClusterConnectionError(
        `cannot use Redis at ${describeUrl(url)}: ${(error as Error).message}`,
      )
    }
    const policy = /maxmemory_policy:(\S+)/.exec(info)?.[1]
    if (policy && policy !== 'noeviction')
      throw new ClusterConnectionError(
        `Redis at ${describeUrl(url)} has maxmemory-policy ${policy}; the queue needs noeviction ` +
          '(an evicting Redis drops queued jobs). Set it with: CONFIG SET maxmemory-policy noeviction ' +
          '(and in redis.conf)',
      )
  } finally {
    probe.disconnect()
  }
}
