import net from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import { closedPort, environmentWith, secretFromUrl, testServer } from '../../test/servers'
import { closeAllConnections } from '../shared/connections'

const plugins = PluginRegistry.withBuiltins()
const REDIS_URL = testServer('redis')

afterAll(() => closeAllConnections())

function engineWith(secret: Record<string, string>) {
  return new Engine({ plugins, environment: environmentWith({ cache: secret }) })
}

async function runWithErrorEdge(engine: Engine, config: Record<string, unknown>) {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['cmd', 'redis.command', config],
      ['failed', 'flow.log', { level: 'warn', message: 'redis failed' }],
    ],
    ['start.payload -> cmd', 'cmd.error -> failed'],
  )
  const report = await engine.run(engine.load(flow), { event: {} })
  const failed = report.nodes.find((n) => n.nodeId === 'failed')
  return {
    report,
    errorValue: failed?.input?.value as { message: string; code: string } | undefined,
  }
}

describe.skipIf(!REDIS_URL)('redis.command against Redis 7', () => {
  const secret = secretFromUrl(REDIS_URL ?? 'redis://127.0.0.1:1')
  const engine = engineWith(secret)
  const prefix = `fb-test-${process.pid}-`
  let admin: Redis

  beforeAll(() => {
    admin = new Redis(REDIS_URL!)
  })
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`)
    if (keys.length) await admin.del(...keys)
    await admin.quit()
  })

  it('SET with a TTL under a templated key, then GET it back', async () => {
    const set = await runNode(
      engine,
      'redis.command',
      {
        connection: 'secret@cache',
        command: 'SET',
        key: `${prefix}last:{{ event.properties.sku }}`,
        value: { qty: 'event@properties.qty' },
        ttlSeconds: 60,
      },
      { event: { properties: { sku: 'A-1', qty: 3 } } },
    )
    expect(set.node.outputs).toEqual([
      { port: 'result', value: { key: `${prefix}last:A-1`, value: 'OK' } },
    ])
    expect(await admin.get(`${prefix}last:A-1`)).toBe('{"qty":3}')
    const ttl = await admin.ttl(`${prefix}last:A-1`)
    expect(ttl).toBeGreaterThan(50)
    expect(ttl).toBeLessThanOrEqual(60)
    const get = await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'GET',
      key: `${prefix}last:A-1`,
      parseJson: true,
    })
    expect(get.node.outputs[0]!.value).toEqual({ key: `${prefix}last:A-1`, value: { qty: 3 } })
    const missing = await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'GET',
      key: `${prefix}nothing`,
    })
    expect(missing.node.outputs[0]!.value).toEqual({ key: `${prefix}nothing`, value: null })
  })

  it('INCR, HSET/HGET, LPUSH and PUBLISH', async () => {
    const incr = async (by?: number) =>
      (
        await runNode(engine, 'redis.command', {
          connection: 'secret@cache',
          command: 'INCR',
          key: `${prefix}visits`,
          ...(by ? { by } : {}),
        })
      ).node.outputs[0]!.value
    expect(await incr()).toEqual({ key: `${prefix}visits`, value: 1 })
    expect(await incr(5)).toEqual({ key: `${prefix}visits`, value: 6 })
    await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'HSET',
      key: `${prefix}profile`,
      field: 'tier',
      value: 'gold',
    })
    const hget = await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'HGET',
      key: `${prefix}profile`,
      field: 'tier',
    })
    expect(hget.node.outputs[0]!.value).toEqual({ key: `${prefix}profile`, value: 'gold' })
    await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'LPUSH',
      key: `${prefix}queue`,
      value: 'a',
    })
    const push = await runNode(engine, 'redis.command', {
      connection: 'secret@cache',
      command: 'LPUSH',
      key: `${prefix}queue`,
      value: 'b',
    })
    expect(push.node.outputs[0]!.value).toEqual({ key: `${prefix}queue`, value: 2 })
    expect(await admin.lrange(`${prefix}queue`, 0, -1)).toEqual(['b', 'a'])

    const subscriber = new Redis(REDIS_URL!)
    const received = new Promise<[string, string]>((resolve) =>
      subscriber.on('message', (channel: string, message: string) => resolve([channel, message])),
    )
    await subscriber.subscribe(`${prefix}news`)
    const pub = await runNode(
      engine,
      'redis.command',
      {
        connection: 'secret@cache',
        command: 'PUBLISH',
        key: `${prefix}news`,
        value: 'hello {{ event.type }}',
      },
      { event: { type: 'signup' } },
    )
    expect(pub.node.outputs[0]!.value).toEqual({ key: `${prefix}news`, value: 1 })
    expect(await received).toEqual([`${prefix}news`, 'hello signup'])
    await subscriber.quit()
  })

  it('a key made of hostile text is one key, not extra commands', async () => {
    const hostile = `${prefix}x\r\nFLUSHALL\r\n`
    await admin.set(`${prefix}keep`, 'still here')
    const { node } = await runNode(
      engine,
      'redis.command',
      { connection: 'secret@cache', command: 'SET', key: '{{ event.properties.k }}', value: 'v' },
      { event: { properties: { k: hostile } } },
    )
    expect(node.status).toBe('ok')
    expect(await admin.get(hostile)).toBe('v')
    expect(await admin.get(`${prefix}keep`)).toBe('still here')
  })

  it("a wrong-type command is a Redis error with the server's message", async () => {
    await admin.set(`${prefix}plain`, 'text')
    const { errorValue } = await runWithErrorEdge(engine, {
      connection: 'secret@cache',
      command: 'LPUSH',
      key: `${prefix}plain`,
      value: 'x',
    })
    expect(errorValue!.code).toBe('redis-error')
    expect(errorValue!.message).toMatch(/WRONGTYPE/)
  })

  it("bad credentials: the server's message on the error port, never the password", async () => {
    const wrong = 'not-the-Passw0rd'
    const { report, errorValue } = await runWithErrorEdge(
      engineWith({ ...secret, password: wrong }),
      { connection: 'secret@cache', command: 'GET', key: 'k' },
    )
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/WRONGPASS|invalid password|invalid username-password/i)
    expect(JSON.stringify(report)).not.toContain(wrong)
  })

  it('shares one connection across runs', async () => {
    const ids = new Set<unknown>()
    for (let i = 0; i < 3; i++) {
      const flow = buildFlow(
        [
          ['start', 'trigger.manual'],
          [
            'cmd',
            'redis.command',
            { connection: 'secret@cache', command: 'INCR', key: `${prefix}runs` },
          ],
        ],
        ['start.payload -> cmd'],
      )
      await engine.run(engine.load(flow), {})
      const clients = (await admin.client('LIST')) as string
      ids.add(
        clients
          .split('\n')
          .filter((l) => l.includes('cmd=incr'))
          .map((l) => /id=(\d+)/.exec(l)![1])
          .join(','),
      )
    }
    expect(ids.size).toBe(1)
  })
})

describe('redis.command when the server is down or silent', () => {
  it('a refused connection is a clear error on the error port', async () => {
    const port = await closedPort()
    const { errorValue } = await runWithErrorEdge(
      engineWith({ host: '127.0.0.1', port: String(port), password: 'pw' }),
      { connection: 'secret@cache', command: 'GET', key: 'k', timeoutMs: 2000 },
    )
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/Redis: .*ECONNREFUSED/)
  })

  it('a server that never answers fails within the time limit', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const started = Date.now()
      const { errorValue } = await runWithErrorEdge(
        engineWith({
          host: '127.0.0.1',
          port: String((silent.address() as net.AddressInfo).port),
          password: 'pw',
        }),
        { connection: 'secret@cache', command: 'GET', key: 'k', timeoutMs: 400 },
      )
      expect(errorValue!.code).toBe('timeout')
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    }
  })
})

describe('redis.command in test cases', () => {
  it('a mocked node never touches Redis, and an unmocked one says it would', async () => {
    const engine = engineWith({ host: '127.0.0.1', port: '1' })
    const mocked = await runNode(
      engine,
      'redis.command',
      { connection: 'secret@cache', command: 'GET', key: 'k' },
      {
        testing: true,
        mocks: { subject: { port: 'result', value: { key: 'k', value: 'cached' } } },
      },
    )
    expect(mocked.node.outputs).toEqual([{ port: 'result', value: { key: 'k', value: 'cached' } }])
    const unmocked = await runNode(
      engine,
      'redis.command',
      { connection: 'secret@cache', command: 'GET', key: 'k' },
      { testing: true },
    )
    expect(unmocked.node.error!.code).toBe('no-mock')
  })
})
