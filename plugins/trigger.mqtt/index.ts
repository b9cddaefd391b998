import { definePlugin } from '../../src-shared/plugin-sdk'
import { connectionSchema } from '../shared/connections'

export interface MqttTriggerConfig {
  connection: string
  topics: string[]
  qos?: 0 | 1
  eventType?: string
  profileIdField?: string
}

export default definePlugin<MqttTriggerConfig>({
  id: 'trigger.mqtt',
  version: '1.0.0',
  name: 'MQTT message',
  description: 'Starts the flow for each message published to the topics it subscribes to',
  group: 'Triggers',
  icon: 'radio-receiver',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      connection: connectionSchema('host, port, user, password, tls, clientId (or url)'),
      topics: {
        type: 'array',
        title: 'Topics',
        minItems: 1,
        items: {
          type: 'string',
          minLength: 1,
          description: 'A topic filter; + matches one level, # the rest',
        },
      },
      qos: {
        enum: [0, 1],
        title: 'QoS',
        description: '1: the broker redelivers a message until serve has journaled it',
      },
      eventType: { type: 'string', title: 'Event type', minLength: 1 },
      profileIdField: {
        type: 'string',
        title: 'Profile id field',
        description: 'A field of a JSON message carrying the profile id',
      },
    },
    required: ['connection', 'topics'],
    additionalProperties: false,
  },
  defaultConfig: {
    connection: 'secret@broker',
    topics: ['sensors/+/temperature'],
    qos: 1,
    eventType: 'mqtt',
  },
  form: [
    { title: 'Broker', fields: [{ field: 'connection', widget: 'text' }] },
    {
      title: 'Subscription',
      fields: [
        { field: 'topics', widget: 'list' },
        { field: 'qos', widget: 'select' },
      ],
    },
    { title: 'Event', fields: [{ field: 'eventType' }, { field: 'profileIdField' }] },
  ],
  docs: {
    markdown: [
      "While the flow is served (`flowbench serve`, or the app's local runner) Flowbench subscribes to **Topics** — wildcards allowed: `sensors/+/temperature`, `shop/#` — and runs the flow once for each message. Each message is journaled like a webhook call before it is acknowledged, so a crash loses nothing.",
      '',
      "The event has type **Event type** (default `mqtt`), source `mqtt`, and `properties: { topic, message, qos, retain }`, where `message` is the parsed JSON when the message is JSON, else its text. With **Profile id field**, that field of a JSON message becomes the event's profile id.",
      '',
      '**Connection** names a secret (`secret@broker`) with the fields `host`, `port`, `user`, `password` and optionally `tls`, `ca`, `clientId` — or one `url` field. A subscriber with a `clientId` keeps its session across reconnects (QoS 1 messages sent meanwhile are delivered). In test cases, give the event directly: `{ "type": "mqtt", "properties": { "topic": "sensors/a/temperature", "message": { "c": 21 } } }`.',
    ].join('\n'),
    outputs: { payload: 'The event built from the message.' },
  },
  testTemplate: {
    config: { connection: 'secret@broker', topics: ['sensors/#'] },
    payload: { type: 'mqtt', properties: { topic: 'sensors/a/temperature', message: { c: 21 } } },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
