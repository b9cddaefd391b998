/**
 * The real servers the connector tests talk to. CI starts them with scripts/servers.sh and
 * passes their addresses in FLOWBENCH_TEST_*_URL; a developer does the same with
 * `source scripts/servers.sh && servers_start`. Outside CI a missing server skips its tests
 * and says so; in CI (`CI` set) it is a failure, so a broken setup cannot pass as green.
 */
import { describe, it } from 'vitest'
import type { RunEnvironment } from '../../src-shared/engine/environment'

export type ServerKind = 'pg' | 'redis' | 'mqtt'

const VARIABLES: Record<ServerKind, { variable: string; what: string }> = {
  pg: { variable: 'FLOWBENCH_TEST_PG_URL', what: 'PostgreSQL' },
  redis: { variable: 'FLOWBENCH_TEST_REDIS_URL', what: 'Redis' },
  mqtt: { variable: 'FLOWBENCH_TEST_MQTT_URL', what: 'Mosquitto' },
}

/** The server's URL, or undefined after registering why its tests do not run. */
export function testServer(kind: ServerKind): string | undefined {
  const { variable, what } = VARIABLES[kind]
  const url = process.env[variable]
  if (url) return url
  if (process.env.CI) {
    describe(`${what} for the connector tests`, () => {
      it(`is given in ${variable}`, () => {
        throw new Error(`${variable} is not set: .ci/run must start ${what} (scripts/servers.sh)`)
      })
    })
  } else {
    console.warn(
      `${what} tests skipped: ${variable} is not set (start one with: source scripts/servers.sh && servers_start)`,
    )
  }
  return undefined
}

/** A connection secret with separate fields, as `flowbench secrets set` would hold it. */
export function secretFromUrl(url: string): Record<string, string> {
  const parsed = new URL(url)
  const secret: Record<string, string> = { host: parsed.hostname, port: parsed.port }
  if (parsed.username) secret.user = decodeURIComponent(parsed.username)
  if (parsed.password) secret.password = decodeURIComponent(parsed.password)
  const database = parsed.pathname.slice(1)
  if (database) secret.database = database
  return secret
}

/** A loopback port nothing listens on: a server that is down. */
export async function closedPort(): Promise<number> {
  const net = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export function environmentWith(secrets: RunEnvironment['secrets']): RunEnvironment {
  return { name: 'test', vars: {}, secrets }
}
