import { definePlugin } from '../../src-shared/plugin-sdk'

interface Config {
  method?: string
  url: string
  headers?: Record<string, string>
  body?: unknown
  timeoutMs?: number
  failOnStatus?: boolean
}

const MAX_BODY_BYTES = 10 * 1024 * 1024

function failure(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

export default definePlugin<Config>({
  id: 'http.request',
  version: '1.0.0',
  name: 'HTTP request',
  description: 'Calls a URL and sends on the response',
  group: 'Integration',
  icon: 'globe',
  inputs: ['payload'],
  outputs: ['response'],
  expressionFields: [{ field: 'url', kind: 'template' }],
  configSchema: {
    type: 'object',
    properties: {
      method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'], title: 'Method' },
      url: {
        type: 'string',
        title: 'URL',
        minLength: 1,
        description: 'http(s) URL; may contain {{ expressions }}',
      },
      headers: { type: 'object', title: 'Headers', additionalProperties: { type: 'string' } },
      body: {
        title: 'Body',
        description: 'JSON sent as the body; references and {{ }} inside are resolved',
      },
      timeoutMs: { type: 'integer', title: 'Timeout (ms)', minimum: 1, maximum: 300000 },
      failOnStatus: { type: 'boolean', title: 'Treat 4xx/5xx as errors' },
    },
    required: ['url'],
    additionalProperties: false,
  },
  defaultConfig: {
    method: 'POST',
    url: 'https://example.com/api/{{ event.type }}',
    headers: { 'content-type': 'application/json' },
    body: { event: 'event@type' },
    timeoutMs: 5000,
  },
  form: [
    {
      title: 'Request',
      fields: [
        { field: 'method', widget: 'select' },
        { field: 'url', widget: 'template' },
        { field: 'headers', widget: 'key-value' },
        { field: 'body', widget: 'json' },
      ],
    },
    {
      title: 'Behaviour',
      fields: [
        { field: 'timeoutMs', widget: 'number' },
        { field: 'failOnStatus', widget: 'checkbox' },
      ],
    },
  ],
  docs: {
    markdown:
      'Sends **Method** to **URL** with **Headers** and **Body** (references and `{{ }}` resolved), and sends `{ status, headers, body }` on `response` (the body parsed as JSON when the response says it is JSON). Network failures and timeouts are errors; 4xx/5xx responses go to `response` unless **Treat 4xx/5xx as errors** is on. In test runs the node never reaches the network: give it a mock (`{ "port": "response", "value": … }`).',
    inputs: { payload: 'Any value; available to the templates as `payload`.' },
    outputs: { response: 'The response: `{ status, headers, body }`.' },
  },
  testTemplate: { config: { url: 'https://example.com' }, payload: {}, expect: { port: 'error' } },
  create: () => ({
    async run(_payload, ctx, config) {
      if (ctx.testing)
        throw failure(
          'no-mock',
          `Node "${ctx.nodeId}" would call the network during a test; add a mock for it ({ "port": "response", "value": … })`,
        )
      const url = String(ctx.template(config.url))
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        throw failure('invalid-url', `"${url}" is not a URL`)
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
        throw failure(
          'invalid-url',
          `Only http and https URLs can be called (got ${parsed.protocol})`,
        )
      const method = config.method ?? 'GET'
      const headers: Record<string, string> = {}
      for (const [name, value] of Object.entries(config.headers ?? {}))
        headers[name] = String(ctx.template(value))
      let body: string | undefined
      if (config.body !== undefined && method !== 'GET' && method !== 'HEAD') {
        const resolved = ctx.resolve(config.body)
        body = typeof resolved === 'string' ? resolved : JSON.stringify(resolved)
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
          headers['content-type'] = typeof resolved === 'string' ? 'text/plain' : 'application/json'
      }
      const timeoutMs = config.timeoutMs ?? 5000
      const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)])
      let response: Response
      try {
        response = await fetch(parsed, { method, headers, body, signal, redirect: 'follow' })
      } catch (error) {
        if (ctx.signal.aborted) throw error
        const timedOut =
          (error as Error).name === 'TimeoutError' || signal.reason?.name === 'TimeoutError'
        throw failure(
          timedOut ? 'timeout' : 'http-error',
          timedOut
            ? `${method} ${url} timed out after ${timeoutMs} ms`
            : `${method} ${url} failed: ${(error as Error).cause ? String((error as { cause: unknown }).cause) : (error as Error).message}`,
        )
      }
      const text = await response.text()
      if (text.length > MAX_BODY_BYTES)
        throw failure('http-error', `${method} ${url}: the response is larger than 10 MB`)
      const type = response.headers.get('content-type') ?? ''
      let responseBody: unknown = text
      if (/json/i.test(type) && text) {
        try {
          responseBody = JSON.parse(text)
        } catch {
          responseBody = text
        }
      }
      if (config.failOnStatus && response.status >= 400)
        throw failure('http-status', `${method} ${url} answered ${response.status}`)
      return {
        port: 'response',
        value: {
          status: response.status,
          headers: Object.fromEntries(response.headers.entries()),
          body: responseBody,
        },
      }
    },
  }),
})
