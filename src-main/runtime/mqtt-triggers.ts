/**
 * `trigger.mqtt` while flows are served: one subscriber per connection secret, subscribed to
 * every topic filter of the flows that use it; each message becomes an event that `submit`
 * journals (as a webhook call is), once per flow whose filters match its topic.
 *
 * Kept apart from serve's HTTP stack: serve hands it the served flows and a `submit` callback,
 * and closes it when it stops.
 */
import type { IPublishPacket } from 'mqtt'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { cleanMessage } from '../../plugins/shared/connections'
import type { MqttClient } from '../../plugins/shared/mqtt'
import { connectMqtt, messageValue } from '../../plugins/shared/mqtt'
import type { MqttTriggerConfig } from '../../plugins/trigger.mqtt'

export const MQTT_TRIGGER = 'trigger.mqtt'

export interface MqttTriggerFlow {
  flowId: string
  config: unknown
}

export interface MqttTriggersOptions {
  flows: readonly MqttTriggerFlow[]
  secrets: () => RunEnvironment['secrets']
  /** Journals the event for the flow; returns once it is durable (the broker is acked after). */
  submit(flowId: string, event: Record<string, unknown>): void
  log(entry: Record<string, unknown>): void
  connectTimeoutMs?: number
}

export interface MqttTriggers {
  /** Each flow with the topic filters it is subscribed to. */
  subscriptions(): { flowId: string; topics: string[] }[]
  close(): Promise<void>
}

export class MqttTriggerError extends Error {}

/** MQTT topic filter matching: `+` one level, `#` this level and every one below. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/')
  const t = topic.split('/')
  // `$SYS/…` topics are never matched by a filter that starts with a wildcard (MQTT 4.7.2).
  if (topic.startsWith('$') && (f[0] === '+' || f[0] === '#')) return false
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true
    if (i >= t.length) return false
    if (f[i] !== '+' && f[i] !== t[i]) return false
  }
  return f.length === t.length
}

function secretName(connection: unknown): string | null {
  return typeof connection === 'string' && /^secret@[A-Za-z0-9_-]+$/.test(connection)
    ? connection.slice('secret@'.length)
    : null
}

export function eventFromMessage(
  config: MqttTriggerConfig,
  packet: Pick<IPublishPacket, 'topic' | 'payload' | 'qos' | 'retain'>,
): Record<string, unknown> {
  const message = messageValue(
    Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload),
  )
  const event: Record<string, unknown> = {
    type: config.eventType ?? 'mqtt',
    source: 'mqtt',
    properties: { topic: packet.topic, message, qos: packet.qos, retain: packet.retain },
  }
  if (config.profileIdField && message && typeof message === 'object' && !Array.isArray(message)) {
    const id = (message as Record<string, unknown>)[config.profileIdField]
    if (typeof id === 'string' && id) event.profileId = id
  }
  return event
}

/** Connects and subscribes for every served flow with a `trigger.mqtt`; rejects, naming the flow, when it cannot. */
export async function startMqttTriggers(options: MqttTriggersOptions): Promise<MqttTriggers> {
  const bySecret = new Map<string, { flowId: string; config: MqttTriggerConfig }[]>()
  for (const { flowId, config } of options.flows) {
    const typed = config as MqttTriggerConfig
    const name = secretName(typed.connection)
    if (!name)
      throw new MqttTriggerError(
        `Flow "${flowId}": trigger.mqtt needs a connection like secret@broker`,
      )
    const list = bySecret.get(name) ?? []
    list.push({ flowId, config: typed })
    bySecret.set(name, list)
  }

  const clients: MqttClient[] = []
  const close = async () => {
    await Promise.all(
      clients.map(
        (client) => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
      ),
    )
  }
  try {
    for (const [name, flows] of bySecret) {
      const secret = options.secrets()[name] ?? {}
      const flowIds = flows.map((f) => `"${f.flowId}"`).join(', ')
      let client: MqttClient
      try {
        client = await connectMqtt(secret, {
          timeoutMs: options.connectTimeoutMs ?? 10_000,
          reconnect: true,
        })
      } catch (error) {
        throw new MqttTriggerError(
          `Flow ${flowIds}: cannot subscribe with secret ${name}: MQTT: ${cleanMessage(error, secret)}`,
        )
      }
      clients.push(client)
      // The message is journaled before the handler returns, and only then acknowledged (QoS 1):
      // a crash before the journal write means the broker sends it again.
      client.handleMessage = (packet, callback) => {
        try {
          for (const flow of flows)
            if (flow.config.topics.some((filter) => topicMatches(filter, packet.topic)))
              options.submit(flow.flowId, eventFromMessage(flow.config, packet))
          callback()
        } catch (error) {
          options.log({
            level: 'error',
            msg: 'mqtt message not journaled',
            topic: packet.topic,
            error: (error as Error).message,
          })
          callback(error as Error)
        }
      }
      client.on('reconnect', () =>
        options.log({ level: 'warn', msg: 'mqtt reconnecting', secret: name }),
      )
      client.on('error', (error) =>
        options.log({
          level: 'error',
          msg: 'mqtt error',
          secret: name,
          error: cleanMessage(error, secret),
        }),
      )
      const subscriptions: Record<string, { qos: 0 | 1 }> = {}
      for (const flow of flows)
        for (const topic of flow.config.topics)
          subscriptions[topic] = {
            qos: Math.max(subscriptions[topic]?.qos ?? 0, flow.config.qos ?? 0) as 0 | 1,
          }
      let granted
      try {
        granted = await client.subscribeAsync(subscriptions)
      } catch (error) {
        throw new MqttTriggerError(
          `Flow ${flowIds}: subscribing failed: MQTT: ${cleanMessage(error, secret)}`,
        )
      }
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic)
      if (refused.length > 0)
        throw new MqttTriggerError(
          `Flow ${flowIds}: the broker refused the subscription to ${refused.join(', ')}`,
        )
      options.log({
        level: 'info',
        msg: 'mqtt subscribed',
        secret: name,
        topics: Object.keys(subscriptions),
      })
    }
  } catch (error) {
    await close()
    throw error
  }

  return {
    subscriptions: () =>
      options.flows.map((f) => ({
        flowId: f.flowId,
        topics: [...(f.config as MqttTriggerConfig).topics],
      })),
    close,
  }
}
