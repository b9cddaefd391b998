import nodemailer from 'nodemailer'
import type { Transporter } from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool'
import { definePlugin } from '../../src-shared/plugin-sdk'
import type { ConnectionSecret, Lease } from '../shared/connections'
import {
  cleanMessage,
  ConnectionPools,
  connectionSchema,
  endpoint,
  failure,
  readConnection,
  refuseInTests,
  withTimeLimit,
} from '../shared/connections'

interface Config {
  connection: string
  from?: string
  to: string | string[]
  cc?: string | string[]
  replyTo?: string
  subject: string
  text?: string
  html?: string
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 10_000

/**
 * The secret's `tls`: `on` (implicit TLS, usually port 465), `starttls` (upgrade required),
 * `insecure` (upgrade when offered, certificate not checked), `off` (never encrypt). Unset:
 * upgrade when the server offers it, with the certificate checked.
 */
function smtpOptions(secret: ConnectionSecret): SMTPPool.Options {
  const mode = (secret.tls ?? '').trim().toLowerCase()
  const implicit = ['on', 'true', 'implicit', 'ssl', 'yes', '1'].includes(mode)
  const { host, port, user, password } = endpoint(secret, implicit ? 465 : 587)
  if (
    mode &&
    !implicit &&
    !['starttls', 'require', 'insecure', 'off', 'false', 'no', '0'].includes(mode)
  )
    throw failure(
      'invalid-config',
      "The connection secret's tls field must be on, starttls, insecure or off",
    )
  return {
    pool: true,
    maxConnections: 2,
    host,
    port,
    secure: implicit,
    requireTLS: mode === 'starttls' || mode === 'require',
    ignoreTLS: ['off', 'false', 'no', '0'].includes(mode),
    tls: { rejectUnauthorized: mode !== 'insecure', ca: secret.ca || undefined },
    auth: user ? { user, pass: password ?? '' } : undefined,
    connectionTimeout: DEFAULT_TIMEOUT_MS,
    greetingTimeout: DEFAULT_TIMEOUT_MS,
    socketTimeout: DEFAULT_TIMEOUT_MS,
  }
}

const pools = new ConnectionPools<Transporter>({
  // nodemailer's pool opens SMTP connections on demand; a failure shows when a message is sent.
  open: async (secret) => nodemailer.createTransport(smtpOptions(secret)),
  close: (transport) => transport.close(),
})

function addresses(value: unknown): string[] {
  if (value === undefined || value === null || value === '') return []
  if (Array.isArray(value)) return value.flatMap(addresses)
  return String(value)
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean)
}

function text(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined
  return typeof value === 'string' ? value : JSON.stringify(value)
}

export default definePlugin<Config>({
  id: 'email.send',
  version: '1.0.0',
  name: 'Send email',
  description: 'Sends an email over SMTP; recipients, subject and body from templates',
  group: 'Integration',
  icon: 'mail',
  inputs: ['payload'],
  outputs: ['sent'],
  expressionFields: [
    { field: 'from', kind: 'template' },
    { field: 'replyTo', kind: 'template' },
    { field: 'subject', kind: 'template' },
    { field: 'text', kind: 'template' },
    { field: 'html', kind: 'template' },
  ],
  configSchema: {
    type: 'object',
    properties: {
      connection: connectionSchema(
        'host, port, user, password, tls (on, starttls, insecure, off), from',
      ),
      from: {
        type: 'string',
        title: 'From',
        description: 'Default: the from field of the connection secret',
      },
      to: {
        title: 'To',
        anyOf: [
          { type: 'string', minLength: 1 },
          { type: 'array', items: { type: 'string' }, minItems: 1 },
        ],
        description: 'Addresses (comma-separated or a list); templates and references allowed',
      },
      cc: {
        title: 'Cc',
        anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
      },
      replyTo: { type: 'string', title: 'Reply to' },
      subject: { type: 'string', title: 'Subject', minLength: 1 },
      text: { type: 'string', title: 'Text body' },
      html: {
        type: 'string',
        title: 'HTML body',
        description:
          'Values inserted with {{ }} are not HTML-escaped: insert only text you trust, or use the text body',
      },
      timeoutMs: { type: 'integer', title: 'Time limit (ms)', minimum: 1, maximum: 300000 },
    },
    required: ['connection', 'to', 'subject'],
    additionalProperties: false,
  },
  defaultConfig: {
    connection: 'secret@mail',
    to: '{{ profile.traits.email }}',
    subject: 'Your order {{ event.properties.orderId }}',
    text: 'Hello {{ profile.traits.name }}, thank you for your order.',
    timeoutMs: DEFAULT_TIMEOUT_MS,
  },
  form: [
    {
      title: 'Server',
      fields: [
        { field: 'connection', widget: 'text' },
        { field: 'from', widget: 'template' },
      ],
    },
    {
      title: 'Message',
      fields: [
        { field: 'to', widget: 'template' },
        { field: 'cc', widget: 'template' },
        { field: 'replyTo', widget: 'template' },
        { field: 'subject', widget: 'template' },
        { field: 'text', widget: 'textarea' },
        { field: 'html', widget: 'textarea' },
      ],
    },
    { title: 'Behaviour', fields: [{ field: 'timeoutMs', widget: 'number' }] },
  ],
  docs: {
    markdown: [
      'Sends one email over SMTP (nodemailer) and sends `{ messageId, accepted, rejected }` on `sent`. **To**, **Cc**, **Reply to**, **Subject**, **Text body** and **HTML body** are templates (`{{ profile.traits.email }}`) or references; several addresses are comma-separated or a list.',
      '',
      '**Connection** names a secret (`secret@mail`) with the fields `host`, `port`, `user`, `password`, `from` (the default sender) and `tls`: `on` (implicit TLS, port 465 by default), `starttls` (the server must upgrade; certificate checked), `insecure` (upgrade when offered, certificate not checked), `off` (never encrypt); unset: upgrade when offered, certificate checked. `ca` may hold a PEM certificate to trust. SMTP connections are pooled per secret and shared by later runs.',
      '',
      'Errors (bad credentials, server down, a recipient refused) go to the `error` port with the server\'s reply (e.g. `535 Authentication failed`), never the password; **Time limit** (default 10000 ms) bounds the whole send. In test runs the node never sends mail: give it a mock (`{ "port": "sent", "value": … }`).',
    ].join('\n'),
    inputs: { payload: 'Any value; available to the templates as `payload`.' },
    outputs: { sent: '`{ messageId, accepted: [addresses], rejected: [addresses] }`.' },
  },
  testTemplate: {
    config: { connection: 'secret@mail', to: 'ann@example.com', subject: 'Hi' },
    payload: {},
    expect: { port: 'error' },
  },
  create: () => {
    let lease: Lease<Transporter> | null = null
    return {
      async run(_payload, ctx, config) {
        refuseInTests(ctx, 'send an email', '{ "port": "sent", "value": … }')
        const secret = readConnection(ctx, config.connection)
        const timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS
        const from = text(config.from === undefined ? secret.from : ctx.resolve(config.from))
        if (!from)
          throw failure(
            'invalid-config',
            'No sender: set From, or a from field in the connection secret',
          )
        const to = addresses(ctx.resolve(config.to))
        if (to.length === 0) throw failure('invalid-config', 'No recipient: To rendered empty')
        const message = {
          from,
          to,
          cc: addresses(ctx.resolve(config.cc)),
          replyTo: text(ctx.resolve(config.replyTo)),
          subject: text(ctx.resolve(config.subject)) ?? '',
          text: text(ctx.resolve(config.text)),
          html: text(ctx.resolve(config.html)),
        }
        lease ??= await pools.lease(secret, timeoutMs, 'Preparing the SMTP connection', ctx.signal)
        let info: { messageId?: string; accepted?: unknown[]; rejected?: unknown[] }
        try {
          info = await withTimeLimit(
            lease.resource.sendMail(message),
            timeoutMs,
            'Sending the email',
            ctx.signal,
          )
        } catch (error) {
          const code = (error as { code?: unknown }).code
          if (code === 'timeout' || ctx.signal.aborted) throw error
          const kind =
            code === 'EAUTH'
              ? 'auth-error'
              : code === 'ECONNECTION' ||
                  code === 'ESOCKET' ||
                  code === 'ETIMEDOUT' ||
                  code === 'EDNS' ||
                  code === 'ETLS'
                ? 'connection-error'
                : 'smtp-error'
          throw failure(kind, `SMTP: ${cleanMessage(error, secret)}`)
        }
        return {
          port: 'sent',
          value: {
            messageId: info.messageId ?? null,
            accepted: (info.accepted ?? []).map(String),
            rejected: (info.rejected ?? []).map(String),
          },
        }
      },
      close() {
        lease?.release()
        lease = null
      },
    }
  },
})
