/** `redis.xadd`: a connector that ships as its own package rather than as a built-in. */
import { definePlugin } from '../../../src-shared/plugin-sdk'
import type { Lease } from '../../../plugins/shared/connections'
import {
  cleanMessage,
  connectionSchema,
  failure,
  readConnection,
  withTimeLimit,
} from '../../../plugins/shared/connections'
import type { Redis } from '../../../plugins/shared/redis'
import { DEFAULT_REDIS_TIMEOUT_MS, redisPools } from '../../../plugins/shared/redis'

interface Config {
  connection: string
  stream: string
  fields: Record<string, unknown>
  maxLength?: number
  timeoutMs?: number
}

export default definePlugin<Config>({
  id: 'redis.xadd',
  version: '1.0.0',
  name: 'Redis stream add',
  description: 'Appends an entry to a Redis stream (XADD)',
  group: 'Integration',
  icon: 'list-plus',
  inputs: ['payload'],
  outputs: ['result'],
  expressionFields: [{ field: 'stream', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      connection: connectionSchema('host, port, user, password, db, tls (or url)'),
      stream: {
        type: 'string',
        title: 'Stream',
        minLength: 1,
        description: 'The stream key; may contain {{ expressions }}',
      },
      fields: {
        type: 'object',
        title: 'Fields',
        description:
          'Field → value; references and {{ }} are resolved, lists and objects stored as JSON',
      },
      maxLength: {
        type: 'integer',
        title: 'Keep about',
        minimum: 1,
        description: 'Trim the stream to about this many entries (MAXLEN ~)',
      },
      timeoutMs: { type: 'integer', title: 'Time limit (ms)', minimum: 1, maximum: 300000 },
    },
    required: ['connection', 'stream', 'fields'],
    additionalProperties: false,
  },
  defaultConfig: {
    connection: 'secret@cache',
    stream: 'events:{{ event.type }}',
    fields: { profile: 'profile@id', type: 'event@type' },
  },
  form: [
    { title: 'Connection', fields: [{ field: 'connection', widget: 'text' }] },
    {
      title: 'Entry',
      fields: [
        { field: 'stream', widget: 'template' },
        { field: 'fields', widget: 'key-value' },
        { field: 'maxLength', widget: 'number' },
      ],
    },
    { title: 'Behaviour', fields: [{ field: 'timeoutMs', widget: 'number' }] },
  ],
  docs: {
    markdown:
      "Appends **Fields** as one entry to the Redis stream **Stream** and sends `{ stream, id }` on `result`. **Connection** names a secret like `redis.command`'s. Errors go to the `error` port with the server's message, never the password. In test runs the node never reaches Redis: give it a mock.",
    inputs: { payload: 'Any value; available to the templates as `payload`.' },
    outputs: { result: '`{ stream, id }`: the stream and the id Redis gave the entry.' },
  },
  testTemplate: {
    config: { connection: 'secret@cache', stream: 's', fields: { a: 1 } },
    payload: {},
    expect: { port: 'error' },
  },
  create: () => {
    let config: Config
    let lease: Lease<Redis> | null = null
    return {
      setUp(c) {
        config = c
      },
      async run(_payload, ctx) {
        if (ctx.testing)
          throw failure(
            'no-mock',
            `Node "${ctx.nodeId}" would call Redis during a test; add a mock for it`,
          )
        const secret = readConnection(ctx, config.connection)
        const timeoutMs = config.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS
        const stream = String(ctx.template(config.stream))
        const fields = ctx.resolve(config.fields) as Record<string, unknown>
        const args: string[] = []
        for (const [field, value] of Object.entries(fields))
          args.push(field, typeof value === 'string' ? value : JSON.stringify(value ?? null))
        if (args.length === 0) throw failure('invalid-config', 'An entry needs at least one field')
        try {
          lease ??= await redisPools.lease(secret, timeoutMs, 'Connecting to Redis', ctx.signal)
        } catch (error) {
          throw failure('connection-error', `Redis: ${cleanMessage(error, secret)}`)
        }
        const client = lease.resource
        const trim = config.maxLength ? ['MAXLEN', '~', String(config.maxLength)] : []
        let id: unknown
        try {
          id = await withTimeLimit(
            client.call('XADD', stream, ...trim, '*', ...args),
            timeoutMs,
            'Redis XADD',
            ctx.signal,
          )
        } catch (error) {
          if ((error as { code?: unknown }).code === 'timeout') throw error
          throw failure('redis-error', `Redis: ${cleanMessage(error, secret)}`)
        }
        return { port: 'result', value: { stream, id } }
      },
      close() {
        lease?.release()
        lease = null
      },
    }
  },
})
