import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { closeAllConnections } from '../../plugins/shared/connections'
import { buildFlow } from '../../test/fixtures/flows'
import { environmentWith, secretFromUrl, testServer } from '../../test/servers'
import { PluginRegistry } from '../plugins-host/registry'
import { Store } from '../store/store'
import { topicMatches } from './mqtt-triggers'
import type { Server } from './serve'
import { serve } from './serve'

const plugins = PluginRegistry.withBuiltins()
const MQTT_URL = testServer('mqtt')

describe('MQTT topic filters', () => {
  it.each([
    ['sensors/+/temp', 'sensors/a/temp', true],
    ['sensors/+/temp', 'sensors/a/b/temp', false],
    ['sensors/#', 'sensors', true],
    ['sensors/#', 'sensors/a/b', true],
    ['#', '$SYS/broker/uptime', false],
    ['a/b', 'a/b', true],
    ['a/b', 'a/b/c', false],
    ['+', 'a', true],
    ['+/+', 'a', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected)
  })
})

describe.skipIf(!MQTT_URL)('serve with trigger.mqtt and a real Mosquitto', () => {
  const base = `fb-serve/${process.pid}`
  const secret = secretFromUrl(MQTT_URL ?? 'mqtt://127.0.0.1:1')
  const flow: Flow = buildFlow(
    [
      [
        'start',
        'trigger.mqtt',
        {
          connection: 'secret@broker',
          topics: [`${base}/sensors/+/temp`],
          qos: 1,
          eventType: 'reading',
          profileIdField: 'device',
        },
      ],
      [
        'note',
        'data.set',
        {
          values: {
            'profile@traits.lastTemp': 'event@properties.message.c',
            'profile@traits.topic': 'event@properties.topic',
          },
        },
      ],
    ],
    ['start.payload -> note'],
    'sensor-readings',
  )
  let store: Store
  let server: Server

  beforeAll(async () => {
    store = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-mqtt-serve-')))
    server = await serve({
      flows: [{ flow, revision: 1 }],
      store,
      plugins,
      environment: environmentWith({ broker: secret }),
      port: 0,
      log: () => {},
    })
  })
  afterAll(async () => {
    await server?.close()
    store?.close()
    await closeAllConnections()
  })

  it('runs the flow once per message another client publishes to a matching topic', async () => {
    const publisher = await mqtt.connectAsync(MQTT_URL!)
    try {
      await publisher.publishAsync(
        `${base}/sensors/kitchen/temp`,
        JSON.stringify({ device: 'dev-1', c: 21.5 }),
        { qos: 1 },
      )
      await publisher.publishAsync(
        `${base}/sensors/hall/temp`,
        JSON.stringify({ device: 'dev-2', c: 19 }),
        { qos: 1 },
      )
      await publisher.publishAsync(
        `${base}/other/kitchen/temp`,
        JSON.stringify({ device: 'dev-3', c: 0 }),
        { qos: 1 },
      )
      await publisher.publishAsync(`${base}/sensors/kitchen/temp`, 'not json', { qos: 0 })
    } finally {
      await publisher.endAsync()
    }
    const journaled = () => [...store.journalEntries()].filter((e) => e.source === 'mqtt')
    for (let i = 0; i < 100 && journaled().length < 3; i++)
      await new Promise((r) => setTimeout(r, 50))
    await server.drained()
    const rows = journaled()
    expect(rows.map((r) => [r.flowId, r.status])).toEqual([
      ['sensor-readings', 'done'],
      ['sensor-readings', 'done'],
      ['sensor-readings', 'done'],
    ])
    for (const row of rows) expect(store.getRun(row.runId!).status).toBe('succeeded')
    const events = rows.map(
      (r) =>
        r.event as {
          type: string
          profileId?: string
          properties: Record<string, unknown>
        },
    )
    expect(events[0]).toMatchObject({
      type: 'reading',
      profileId: 'dev-1',
      properties: {
        topic: `${base}/sensors/kitchen/temp`,
        message: { device: 'dev-1', c: 21.5 },
        qos: 1,
        retain: false,
      },
    })
    expect(events[2]!.properties.message).toBe('not json')
    const kitchen = await store.state.loadProfile('dev-1')
    expect(kitchen?.traits).toMatchObject({ lastTemp: 21.5, topic: `${base}/sensors/kitchen/temp` })
  })

  it('refuses to start, naming the flow, when the broker refuses the credentials', async () => {
    const other = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-mqtt-serve-bad-')))
    try {
      await expect(
        serve({
          flows: [{ flow, revision: 1 }],
          store: other,
          plugins,
          environment: environmentWith({ broker: { ...secret, password: 'wrong-pw-123' } }),
          port: 0,
          log: () => {},
        }),
      ).rejects.toThrow(/"sensor-readings".*MQTT: .*(Not authorized|Bad user name)/)
    } finally {
      other.close()
    }
  })
})
