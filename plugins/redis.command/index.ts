import { definePlugin } from '../../src-shared/plugin-sdk'
import type { Lease } from '../shared/connections'
import {
  cleanMessage,
  connectionSchema,
  failure,
  readConnection,
  refuseInTests,
  withTimeLimit,
} from '../shared/connections'
import type { Redis } from '../shared/redis'
import { redisPools as pools } from '../shared/redis'

const COMMANDS = ['GET', 'SET', 'INCR', 'HGET', 'HSET', 'LPUSH', 'PUBLISH'] as const
type Command = (typeof COMMANDS)[number]

interface Config {
  connection: string
  command: Command
  key: string
  field?: string
  value?: unknown
  ttlSeconds?: number
  by?: number
  parseJson?: boolean
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 5000

/** Redis stores text: numbers and booleans as written, lists and objects as JSON. */
function text(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value)
  return JSON.stringify(value)
}

function parsed(reply: unknown, parseJson: boolean | undefined): unknown {
  if (!parseJson || typeof reply !== 'string') return reply
  try {
    return JSON.parse(reply)
  } catch {
    return reply
  }
}

export default definePlugin<Config>({
  id: 'redis.command',
  version: '1.0.0',
  name: 'Redis command',
  description:
    'Reads or writes a Redis key (GET, SET with TTL, INCR, HGET, HSET, LPUSH) or publishes a message',
  group: 'Integration',
  icon: 'database-zap',
  inputs: ['payload'],
  outputs: ['result'],
  expressionFields: [
    { field: 'key', kind: 'template' },
    { field: 'field', kind: 'template' },
  ],
  configSchema: {
    type: 'object',
    properties: {
      connection: connectionSchema('host, port, user, password, db, tls (or url)'),
      command: { enum: [...COMMANDS], title: 'Command' },
      key: {
        type: 'string',
        title: 'Key',
        minLength: 1,
        description: 'The key (PUBLISH: the channel); may contain {{ expressions }}',
      },
      field: {
        type: 'string',
        title: 'Hash field',
        description: 'HGET / HSET: the field; may contain {{ expressions }}',
      },
      value: {
        title: 'Value',
        description:
          'SET / HSET / LPUSH / PUBLISH: the value; references and {{ }} are resolved, lists and objects stored as JSON',
      },
      ttlSeconds: {
        type: 'integer',
        title: 'Expire after (s)',
        minimum: 1,
        description: 'SET: the key expires after this many seconds',
      },
      by: { type: 'integer', title: 'Increment by', description: 'INCR: the step (default 1)' },
      parseJson: {
        type: 'boolean',
        title: 'Parse JSON replies',
        description: 'GET / HGET: a reply that is JSON text is sent parsed',
      },
      timeoutMs: { type: 'integer', title: 'Time limit (ms)', minimum: 1, maximum: 300000 },
    },
    required: ['connection', 'command', 'key'],
    additionalProperties: false,
  },
  defaultConfig: {
    connection: 'secret@cache',
    command: 'INCR',
    key: 'visits:{{ profile.id }}',
    timeoutMs: DEFAULT_TIMEOUT_MS,
  },
  form: [
    { title: 'Connection', fields: [{ field: 'connection', widget: 'text' }] },
    {
      title: 'Command',
      fields: [
        { field: 'command', widget: 'select' },
        { field: 'key', widget: 'template' },
        { field: 'field', widget: 'template' },
        { field: 'value', widget: 'json' },
        { field: 'ttlSeconds', widget: 'number' },
        { field: 'by', widget: 'number' },
        { field: 'parseJson', widget: 'checkbox' },
      ],
    },
    { title: 'Behaviour', fields: [{ field: 'timeoutMs', widget: 'number' }] },
  ],
  docs: {
    markdown: [
      'Runs one Redis command and sends `{ key, value }` on `result`, where `value` is the reply:',
      '',
      '| Command | does | reply |',
      '| --- | --- | --- |',
      '| `GET` | reads **Key** | the text, or `null` when the key does not exist |',
      '| `SET` | writes **Value** to **Key**, expiring after **Expire after** seconds when given | `"OK"` |',
      '| `INCR` | adds **Increment by** (default 1) to the number at **Key** (missing counts as 0) | the new number |',
      '| `HGET` / `HSET` | reads / writes **Hash field** of the hash at **Key** | the text / how many fields were added |',
      "| `LPUSH` | puts **Value** at the head of the list at **Key** | the list's length |",
      '| `PUBLISH` | sends **Value** on the channel **Key** | how many subscribers got it |',
      '',
      '**Key** and **Hash field** are templates (`visits:{{ profile.id }}`); values are sent as arguments, never as command text. **Connection** names a secret (`secret@cache`) with the fields `host`, `port`, `user`, `password`, `db` and optionally `tls` (`on`, `insecure`, `off`) — or one `url` field (`redis://…`, `rediss://…`). One connection per secret is shared by later runs.',
      '',
      'Errors (bad credentials, server down, a command on the wrong type of key) go to the `error` port with the server\'s message, never the password; **Time limit** (default 5000 ms) bounds connecting and the command. In test runs the node never reaches Redis: give it a mock (`{ "port": "result", "value": { "key": "…", "value": … } }`).',
    ].join('\n'),
    inputs: { payload: 'Any value; available to the templates as `payload`.' },
    outputs: { result: '`{ key, value }`: the key (or channel) and the reply.' },
  },
  testTemplate: {
    config: { connection: 'secret@cache', command: 'GET', key: 'greeting' },
    payload: {},
    expect: { port: 'error' },
  },
  create: () => {
    let lease: Lease<Redis> | null = null
    return {
      async run(_payload, ctx, config) {
        refuseInTests(ctx, 'call Redis', '{ "port": "result", "value": { "key": …, "value": … } }')
        const secret = readConnection(ctx, config.connection)
        const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
        const key = text(ctx.template(config.key))
        if (!key) throw failure('invalid-config', 'The key is empty')
        const field = config.field === undefined ? '' : text(ctx.template(config.field))
        const value = text(ctx.resolve(config.value))
        lease ??= await pools.connect(secret, timeoutMs, 'Connecting to Redis', 'Redis', ctx.signal)
        const client = lease.resource
        const send = (): Promise<unknown> => {
          switch (config.command) {
            case 'GET':
              return client.get(key)
            case 'SET':
              return config.ttlSeconds
                ? client.set(key, value, 'EX', config.ttlSeconds)
                : client.set(key, value)
            case 'INCR':
              return config.by === undefined || config.by === 1
                ? client.incr(key)
                : client.incrby(key, config.by)
            case 'HGET':
              if (!field) throw failure('invalid-config', 'HGET needs a hash field')
              return client.hget(key, field)
            case 'HSET':
              if (!field) throw failure('invalid-config', 'HSET needs a hash field')
              return client.hset(key, field, value)
            case 'LPUSH':
              return client.lpush(key, value)
            case 'PUBLISH':
              return client.publish(key, value)
            default:
              throw failure('invalid-config', `Unknown command ${String(config.command)}`)
          }
        }
        let reply: unknown
        try {
          reply = await withTimeLimit(
            Promise.resolve().then(send),
            timeoutMs,
            `Redis ${config.command}`,
            ctx.signal,
          )
        } catch (error) {
          const code = (error as { code?: unknown }).code
          if (code === 'timeout' || code === 'invalid-config' || ctx.signal.aborted) throw error
          throw failure('redis-error', `Redis: ${cleanMessage(error, secret)}`)
        }
        return { port: 'result', value: { key, value: parsed(reply, config.parseJson) } }
      },
      close() {
        lease?.release()
        lease = null
      },
    }
  },
})
