import { definePlugin } from '../../src-shared/plugin-sdk'
import type { Lease } from '../shared/connections'
import {
  cleanMessage,
  ConnectionPools,
  connectionSchema,
  failure,
  readConnection,
  refuseInTests,
  withTimeLimit,
} from '../shared/connections'
import type { MqttClient } from '../shared/mqtt'
import { connectMqtt } from '../shared/mqtt'

interface Config {
  connection: string
  topic: string
  message?: unknown
  qos?: 0 | 1
  retain?: boolean
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 5000

const pools = new ConnectionPools<MqttClient>({
  open: (secret) => connectMqtt(secret, { timeoutMs: DEFAULT_TIMEOUT_MS }),
  close: (client) => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  alive: (client) => client.connected && !client.disconnecting,
})

export default definePlugin<Config>({
  id: 'mqtt.publish',
  version: '1.0.0',
  name: 'MQTT publish',
  description: 'Publishes a message to an MQTT topic (QoS 0 or 1, optionally retained)',
  group: 'Integration',
  icon: 'radio',
  inputs: ['payload'],
  outputs: ['payload'],
  expressionFields: [{ field: 'topic', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      connection: connectionSchema('host, port, user, password, tls, clientId (or url)'),
      topic: {
        type: 'string',
        title: 'Topic',
        minLength: 1,
        description: 'e.g. shop/{{ event.properties.store }}/orders; no wildcards',
      },
      message: {
        title: 'Message',
        description:
          'References and {{ }} are resolved; text is sent as is, anything else as JSON. Default: the input payload.',
      },
      qos: {
        enum: [0, 1],
        title: 'QoS',
        description: '0: at most once; 1: at least once (waits for the broker to acknowledge)',
      },
      retain: {
        type: 'boolean',
        title: 'Retain',
        description: 'The broker keeps the message for later subscribers',
      },
      timeoutMs: { type: 'integer', title: 'Time limit (ms)', minimum: 1, maximum: 300000 },
    },
    required: ['connection', 'topic'],
    additionalProperties: false,
  },
  defaultConfig: {
    connection: 'secret@broker',
    topic: 'flowbench/{{ event.type }}',
    message: 'payload@',
    qos: 1,
    retain: false,
    timeoutMs: DEFAULT_TIMEOUT_MS,
  },
  form: [
    { title: 'Broker', fields: [{ field: 'connection', widget: 'text' }] },
    {
      title: 'Message',
      fields: [
        { field: 'topic', widget: 'template' },
        { field: 'message', widget: 'json' },
        { field: 'qos', widget: 'select' },
        { field: 'retain', widget: 'checkbox' },
      ],
    },
    { title: 'Behaviour', fields: [{ field: 'timeoutMs', widget: 'number' }] },
  ],
  docs: {
    markdown: [
      'Publishes **Message** (default: the input payload) to **Topic** and sends the input payload on. Text is sent as is; numbers, lists and objects as JSON.',
      '',
      'With **QoS** 1 the node waits until the broker has acknowledged the message; with 0 it only waits until the message is written. **Retain** asks the broker to keep it for later subscribers.',
      '',
      '**Connection** names a secret (`secret@broker`) with the fields `host`, `port`, `user`, `password` and optionally `tls` (`on`, `insecure`, `off`), `ca`, `clientId` — or one `url` field (`mqtt://…`, `mqtts://…`). One connection per secret is shared by later runs.',
      '',
      'Errors (bad credentials, broker down, a topic with wildcards) go to the `error` port with the broker\'s reason, never the password; **Time limit** (default 5000 ms) bounds connecting and publishing. In test runs the node never reaches the broker: give it a mock (`{ "port": "payload", "value": … }`).',
    ].join('\n'),
    inputs: {
      payload: 'Any value; the default message, and available to the templates as `payload`.',
    },
    outputs: { payload: 'The input payload, once the message is published.' },
  },
  testTemplate: {
    config: { connection: 'secret@broker', topic: 'flowbench/test' },
    payload: {},
    expect: { port: 'error' },
  },
  create: () => {
    let lease: Lease<MqttClient> | null = null
    return {
      async run(payload, ctx, config) {
        refuseInTests(ctx, 'publish to MQTT', '{ "port": "payload", "value": … }')
        const secret = readConnection(ctx, config.connection)
        const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
        const topicValue = ctx.template(config.topic)
        const topic = typeof topicValue === 'string' ? topicValue : JSON.stringify(topicValue)
        if (!topic || /[#+]/.test(topic) || topic.includes(String.fromCharCode(0)))
          throw failure(
            'invalid-topic',
            `"${topic}" cannot be published to: a topic is not empty and has no wildcards (+, #)`,
          )
        const value = config.message === undefined ? payload : ctx.resolve(config.message)
        const body = typeof value === 'string' ? value : JSON.stringify(value ?? null)
        lease ??= await pools.connect(
          secret,
          timeoutMs,
          'Connecting to the MQTT broker',
          'MQTT',
          ctx.signal,
        )
        const client = lease.resource
        try {
          await withTimeLimit(
            client.publishAsync(topic, body, {
              qos: config.qos ?? 0,
              retain: config.retain ?? false,
            }),
            timeoutMs,
            `Publishing to ${topic}`,
            ctx.signal,
          )
        } catch (error) {
          const code = (error as { code?: unknown }).code
          if (code === 'timeout' || ctx.signal.aborted) throw error
          throw failure('mqtt-error', `MQTT: ${cleanMessage(error, secret)}`)
        }
        return { port: 'payload', value: payload }
      },
      close() {
        lease?.release()
        lease = null
      },
    }
  },
})
