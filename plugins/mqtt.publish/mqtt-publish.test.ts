import net from 'node:net'
import mqtt from 'mqtt'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import { closedPort, environmentWith, secretFromUrl, testServer } from '../../test/servers'
import { closeAllConnections } from '../shared/connections'

const plugins = PluginRegistry.withBuiltins()
const MQTT_URL = testServer('mqtt')

afterAll(() => closeAllConnections())

function engineWith(secret: Record<string, string>) {
  return new Engine({ plugins, environment: environmentWith({ broker: secret }) })
}

async function runWithErrorEdge(engine: Engine, config: Record<string, unknown>) {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['pub', 'mqtt.publish', config],
      ['failed', 'flow.log', { level: 'warn', message: 'publish failed' }],
    ],
    ['start.payload -> pub', 'pub.error -> failed'],
  )
  const report = await engine.run(engine.load(flow), { event: {} })
  const failed = report.nodes.find((n) => n.nodeId === 'failed')
  return {
    report,
    errorValue: failed?.input?.value as { message: string; code: string } | undefined,
  }
}

describe.skipIf(!MQTT_URL)('mqtt.publish against Mosquitto', () => {
  const secret = secretFromUrl(MQTT_URL ?? 'mqtt://127.0.0.1:1')
  const engine = engineWith(secret)
  const base = `fb-test/${process.pid}`

  it('publishes the templated topic and message with QoS 1, seen by another client', async () => {
    const listener = await mqtt.connectAsync(MQTT_URL!)
    try {
      await listener.subscribeAsync(`${base}/orders/#`, { qos: 1 })
      const received = new Promise<{ topic: string; text: string; qos: number }>((resolve) =>
        listener.on('message', (topic, payload, packet) =>
          resolve({ topic, text: payload.toString(), qos: packet.qos }),
        ),
      )
      const { node } = await runNode(
        engine,
        'mqtt.publish',
        {
          connection: 'secret@broker',
          topic: `${base}/orders/{{ event.properties.store }}`,
          message: { id: 'event@properties.id', total: '{{ event.properties.total }}' },
          qos: 1,
        },
        { event: { properties: { store: 'berlin', id: 'o-1', total: 12.5 } } },
      )
      expect(node.status).toBe('ok')
      expect(node.outputs[0]!.port).toBe('payload')
      expect(await received).toEqual({
        topic: `${base}/orders/berlin`,
        text: '{"id":"o-1","total":12.5}',
        qos: 1,
      })
    } finally {
      await listener.endAsync()
    }
  })

  it('a retained message is delivered to a subscriber that comes later', async () => {
    const topic = `${base}/status/${Date.now()}`
    const { node } = await runNode(engine, 'mqtt.publish', {
      connection: 'secret@broker',
      topic,
      message: 'online',
      qos: 0,
      retain: true,
    })
    expect(node.status).toBe('ok')
    const late = await mqtt.connectAsync(MQTT_URL!)
    try {
      const received = new Promise<{ text: string; retain: boolean }>((resolve) =>
        late.on('message', (_t, payload, packet) =>
          resolve({ text: payload.toString(), retain: packet.retain }),
        ),
      )
      await late.subscribeAsync(topic)
      expect(await received).toEqual({ text: 'online', retain: true })
      await late.publishAsync(topic, '', { retain: true }) // clears the retained message
    } finally {
      await late.endAsync()
    }
  })

  it('a wildcard in the rendered topic is refused, not published', async () => {
    const { errorValue } = await runWithErrorEdge(engine, {
      connection: 'secret@broker',
      topic: `${base}/{{ event.properties.x }}`,
    })
    expect(errorValue).toBeUndefined() // x is missing: renders as an empty level, which is allowed
    const flow = buildFlow(
      [
        ['start', 'trigger.manual'],
        [
          'pub',
          'mqtt.publish',
          { connection: 'secret@broker', topic: `${base}/{{ event.properties.x }}` },
        ],
      ],
      ['start.payload -> pub'],
    )
    const report = await engine.run(engine.load(flow), { event: { properties: { x: '#' } } })
    expect(report.errors[0]!.code).toBe('invalid-topic')
  })

  it("bad credentials: the broker's reason on the error port, never the password", async () => {
    const wrong = 'not-the-Passw0rd'
    const { report, errorValue } = await runWithErrorEdge(
      engineWith({ ...secret, password: wrong }),
      { connection: 'secret@broker', topic: `${base}/x` },
    )
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/MQTT: .*Not authorized|Bad user name or password/i)
    expect(JSON.stringify(report)).not.toContain(wrong)
  })
})

describe('mqtt.publish when the broker is down or silent', () => {
  it('a refused connection is a clear error on the error port', async () => {
    const port = await closedPort()
    const { errorValue } = await runWithErrorEdge(
      engineWith({ host: '127.0.0.1', port: String(port) }),
      { connection: 'secret@broker', topic: 'a/b', timeoutMs: 2000 },
    )
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/MQTT: .*ECONNREFUSED/)
  })

  it('a broker that never answers fails within the time limit', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const started = Date.now()
      const { errorValue } = await runWithErrorEdge(
        engineWith({ host: '127.0.0.1', port: String((silent.address() as net.AddressInfo).port) }),
        { connection: 'secret@broker', topic: 'a/b', timeoutMs: 400 },
      )
      expect(errorValue!.code).toBe('timeout')
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    }
  })
})

describe('mqtt.publish in test cases', () => {
  it('a mocked node never touches the broker, and an unmocked one says it would', async () => {
    const engine = engineWith({ host: '127.0.0.1', port: '1' })
    const mocked = await runNode(
      engine,
      'mqtt.publish',
      { connection: 'secret@broker', topic: 'a/b' },
      { testing: true, mocks: { subject: { port: 'payload', value: { sent: true } } } },
    )
    expect(mocked.node.outputs).toEqual([{ port: 'payload', value: { sent: true } }])
    const unmocked = await runNode(
      engine,
      'mqtt.publish',
      { connection: 'secret@broker', topic: 'a/b' },
      { testing: true },
    )
    expect(unmocked.node.error!.code).toBe('no-mock')
  })
})
