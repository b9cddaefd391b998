import { definePlugin } from '../../src-shared/plugin-sdk'

export default definePlugin({
  id: 'trigger.webhook',
  version: '1.0.0',
  name: 'Webhook',
  description: 'Starts the flow when JSON or a form is posted to /hooks/<path>, optionally signed',
  group: 'Triggers',
  icon: 'webhook',
  trigger: true,
  inputs: [],
  outputs: ['payload'],
  configSchema: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        title: 'Path',
        pattern: '^[A-Za-z0-9][A-Za-z0-9._~/-]*$',
        description: 'Served at POST /hooks/<path>',
      },
      methods: {
        type: 'array',
        title: 'Methods',
        items: { enum: ['POST', 'PUT', 'PATCH'] },
        minItems: 1,
        uniqueItems: true,
      },
      eventType: { type: 'string', title: 'Event type', minLength: 1 },
      token: {
        type: 'string',
        title: 'Token',
        description:
          'When set, callers must send it in X-Flowbench-Token (or as a bearer token when the server has no token of its own).',
      },
      waitForRun: {
        type: 'boolean',
        title: 'Respond with the run report',
        description: 'Otherwise the hook answers 202 as soon as the event is journaled.',
      },
      profileIdField: {
        type: 'string',
        title: 'Profile id field',
        description: 'Body field or header (prefix "header:") carrying the profile id',
      },
      sessionIdField: {
        type: 'string',
        title: 'Session id field',
        description: 'Body field or header (prefix "header:") carrying the session id',
      },
      signature: {
        type: 'object',
        title: 'Signature',
        description:
          'Accept only requests signed with a shared secret; others are answered 401 and run nothing.',
        properties: {
          scheme: { enum: ['github', 'stripe', 'hmac'], title: 'Scheme' },
          secret: {
            type: 'string',
            title: 'Secret',
            description: 'A reference to the signing secret, e.g. secret@github.webhookSecret',
            pattern: '^secret@[^.\\s]+\\.[^.\\s]+$',
          },
          toleranceSeconds: {
            type: 'integer',
            title: 'Timestamp tolerance (s)',
            minimum: 1,
            description: 'stripe: how far the signed timestamp may be from now (default 300)',
          },
          algorithm: {
            enum: ['sha1', 'sha256', 'sha512'],
            title: 'Algorithm',
            description: 'hmac: default sha256',
          },
          header: {
            type: 'string',
            title: 'Header',
            minLength: 1,
            pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$",
            description: 'hmac: the header carrying the signature',
          },
          encoding: {
            enum: ['hex', 'base64'],
            title: 'Encoding',
            description: 'hmac: default hex',
          },
          prefix: {
            type: 'string',
            title: 'Prefix',
            description: 'hmac: text before the digest, e.g. sha256=',
          },
        },
        required: ['scheme', 'secret'],
        additionalProperties: false,
        // The generic scheme has no header of its own: it must be named.
        anyOf: [
          { properties: { scheme: { enum: ['github', 'stripe'] } } },
          { required: ['header'] },
        ],
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  defaultConfig: { path: 'my-hook', methods: ['POST'], eventType: 'webhook', waitForRun: false },
  form: [
    {
      title: 'Endpoint',
      fields: [
        { field: 'path' },
        { field: 'methods', widget: 'list' },
        { field: 'token' },
        { field: 'waitForRun', widget: 'checkbox' },
      ],
    },
    {
      title: 'Event',
      fields: [{ field: 'eventType' }, { field: 'profileIdField' }, { field: 'sessionIdField' }],
    },
    { title: 'Signature', fields: [{ field: 'signature', widget: 'json' }] },
  ],
  docs: {
    markdown: [
      "Served by `flowbench serve` and the app's local runner at `POST /hooks/<path>`. The body becomes the event's `properties`: a JSON object as is, a form (`application/x-www-form-urlencoded`, as Slack and Twilio send) as its fields, a repeated field as a list. The event type comes from **Event type** (default `webhook`).",
      '',
      '**Signature.** With `signature`, only requests signed with a shared secret are accepted; a missing or wrong signature is answered 401 and nothing runs. The secret is named, never written in the flow: `"secret": "secret@github.webhookSecret"` (serve reads it from `FLOWBENCH_SECRET_GITHUB_WEBHOOKSECRET`).',
      '',
      '- `"scheme": "github"`: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256 of the raw body.',
      '- `"scheme": "stripe"`: `Stripe-Signature: t=<unix time>,v1=<hex>`, an HMAC-SHA256 of `<t>.<body>`; `toleranceSeconds` (default 300) bounds how old the timestamp may be.',
      '- `"scheme": "hmac"`: any other sender: `header` (required), `algorithm` (`sha1`, `sha256` default, `sha512`), `encoding` (`hex` default, `base64`) and an optional `prefix` such as `sha256=`.',
      '',
      '```json',
      '{ "path": "github", "signature": { "scheme": "github", "secret": "secret@github.webhookSecret" } }',
      '```',
    ].join('\n'),
    outputs: { payload: 'The event built from the request.' },
  },
  testTemplate: {
    config: { path: 'orders' },
    payload: { type: 'webhook', properties: { id: 1 } },
    expect: { port: 'payload' },
  },
  reusable: true,
  create: () => ({
    run: (payload) => ({ port: 'payload', value: payload }),
  }),
})
