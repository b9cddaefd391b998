/**
 * Connecting to an MQTT broker from a connection secret, shared by `mqtt.publish` and the
 * `trigger.mqtt` subscriptions that serve runs (src-main/runtime/mqtt-triggers.ts).
 */
import { randomBytes } from 'node:crypto'
import mqtt from 'mqtt'
import type { MqttClient } from 'mqtt'
import type { ConnectionSecret } from './connections'
import { endpoint, tlsMode } from './connections'

export type { MqttClient }

export interface MqttConnectOptions {
  timeoutMs: number
  /** A subscriber reconnects by itself; a publisher's pool replaces a dead client instead. */
  reconnect?: boolean
}

/** Connects, or rejects with the broker's reason (`Not authorized`, ECONNREFUSED, …). */
export async function connectMqtt(
  secret: ConnectionSecret,
  options: MqttConnectOptions,
): Promise<MqttClient> {
  const { host, port, user, password, url } = endpoint(secret, 1883)
  const secure = url?.protocol === 'mqtts:' || url?.protocol === 'wss:'
  const tls = secure && !secret.tls ? 'on' : tlsMode(secret)
  const client = mqtt.connect({
    protocol: tls === 'off' ? 'mqtt' : 'mqtts',
    host,
    port,
    username: user,
    password,
    ca: secret.ca || undefined,
    rejectUnauthorized: tls === 'on',
    clientId: secret.clientid || `flowbench-${randomBytes(6).toString('hex')}`,
    connectTimeout: options.timeoutMs,
    reconnectPeriod: options.reconnect ? 1000 : 0,
    // A subscriber keeps its session so QoS 1 messages sent while it reconnects are not lost.
    clean: !(options.reconnect && secret.clientid),
  })
  return new Promise<MqttClient>((resolve, reject) => {
    const fail = (error: Error) => {
      cleanup()
      client.end(true)
      reject(error)
    }
    const closed = () => fail(new Error('the broker closed the connection'))
    const connected = () => {
      cleanup()
      // Later errors are handled by whoever uses the client (reconnects, the pool's alive check).
      client.on('error', () => {})
      resolve(client)
    }
    const cleanup = () => {
      client.off('connect', connected)
      client.off('error', fail)
      client.off('close', closed)
    }
    client.once('connect', connected)
    client.once('error', fail)
    client.once('close', closed)
  })
}

/** A message as flows see it: JSON when it parses, text otherwise. */
export function messageValue(payload: Buffer): unknown {
  const text = payload.toString('utf8')
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
