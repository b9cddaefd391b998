/**
 * The order-alerts sample end to end: its mocked test cases pass with no server at all, and
 * `flowbench serve` (a real process) runs it once per MQTT message another client publishes,
 * looking customers up in a real PostgreSQL and publishing alerts to a real Mosquitto.
 */
import path from 'node:path'
import mqtt from 'mqtt'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../../src-main/cli/main'
import { repoRoot } from '../fixtures/flows'
import { startServeProcess, tempDir } from '../security/serve-helpers'
import { secretFromUrl, testServer } from '../servers'

const sampleDir = path.join(repoRoot, 'resources/samples/order-alerts')
const PG_URL = testServer('pg')
const MQTT_URL = testServer('mqtt')

describe('the order-alerts sample', () => {
  it('passes its own mocked test cases without any server', async () => {
    let out = ''
    const code = await main(['test', path.join(sampleDir, 'flow.json')], {
      io: { out: (t) => (out += t + '\n'), err: (t) => (out += t + '\n') },
      env: {},
    })
    expect(out).toContain('3 passed, 0 failed')
    expect(code).toBe(0)
  })
})

describe.skipIf(!PG_URL || !MQTT_URL)(
  'flowbench serve with the order-alerts sample, PostgreSQL and Mosquitto',
  () => {
    const database = `fb_sample_${process.pid}`
    let admin: pg.Client

    beforeAll(async () => {
      admin = new pg.Client({ connectionString: PG_URL })
      await admin.connect()
      await admin.query(`DROP DATABASE IF EXISTS ${database}`)
      await admin.query(`CREATE DATABASE ${database}`)
      const url = new URL(PG_URL!)
      url.pathname = `/${database}`
      const db = new pg.Client({ connectionString: url.href })
      await db.connect()
      await db.query(
        'CREATE TABLE customers (id serial PRIMARY KEY, email text UNIQUE, name text, tier text)',
      )
      await db.query(
        "INSERT INTO customers (email, name, tier) VALUES ('ann@example.com', 'Ann', 'gold'), ('bob@example.com', 'Bob', 'silver')",
      )
      await db.end()
    })
    afterAll(async () => {
      await admin?.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin?.end()
    })

    it('runs the flow once per message a separate client publishes', async () => {
      const env: Record<string, string> = {}
      for (const [field, value] of Object.entries({ ...secretFromUrl(PG_URL!), database }))
        env[`FLOWBENCH_SECRET_WAREHOUSE_${field.toUpperCase()}`] = value
      for (const [field, value] of Object.entries(secretFromUrl(MQTT_URL!)))
        env[`FLOWBENCH_SECRET_BROKER_${field.toUpperCase()}`] = value
      const server = startServeProcess(
        [sampleDir, '--port', '0', '--data-dir', tempDir('fb-order-alerts-')],
        env,
      )
      const client = await mqtt.connectAsync(MQTT_URL!)
      try {
        await server.ready
        const alerts: { topic: string; message: Record<string, unknown> }[] = []
        client.on('message', (topic, payload) =>
          alerts.push({
            topic,
            message: JSON.parse(payload.toString()) as Record<string, unknown>,
          }),
        )
        await client.subscribeAsync('alerts/#', { qos: 1 })
        const order = (store: string, email: string, orderId: string) =>
          client.publishAsync(
            `shop/${store}/orders`,
            JSON.stringify({ email, orderId, total: 10 }),
            { qos: 1 },
          )
        await order('berlin', 'ann@example.com', 'o-1')
        await order('paris', 'bob@example.com', 'o-2')
        await order('berlin', "nobody@example.com' OR '1'='1", 'o-3')
        await order('rome', 'ann@example.com', 'o-4')
        for (let i = 0; i < 200 && alerts.length < 3; i++)
          await new Promise((r) => setTimeout(r, 25))
        // Time for a stray fourth alert (the unknown customer) to arrive if it were sent.
        await new Promise((r) => setTimeout(r, 300))
        expect(
          alerts.length,
          `serve's log:\n${server.output.stdout.slice(-3000)}${server.output.stderr.slice(-2000)}`,
        ).toBe(3)
        expect(alerts.map((a) => [a.topic, a.message.orderId, a.message.customer]).sort()).toEqual([
          ['alerts/gold/orders', 'o-1', 'Ann'],
          ['alerts/gold/orders', 'o-4', 'Ann'],
          ['alerts/silver/orders', 'o-2', 'Bob'],
        ])
        expect(alerts.find((a) => a.message.orderId === 'o-4')!.message.topic).toBe(
          'shop/rome/orders',
        )
      } finally {
        await client.endAsync()
        server.child.kill('SIGTERM')
        await server.exited
      }
    })
  },
)
