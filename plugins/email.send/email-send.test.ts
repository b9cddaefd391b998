import net from 'node:net'
import { SMTPServer } from 'smtp-server'
import type { SMTPServerOptions, SMTPServerSession } from 'smtp-server'
import { afterAll, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../../test/fixtures/flows'
import { runNode } from '../../test/fixtures/run-node'
import { closedPort, environmentWith } from '../../test/servers'
import { closeAllConnections } from '../shared/connections'

const plugins = PluginRegistry.withBuiltins()
const USER = 'mailer'
const PASSWORD = 'smtp-Passw0rd'

interface Received {
  from: string
  to: string[]
  raw: string
  secure: boolean
}

/** A real SMTP server (smtp-server) in this process: what it receives is what a mail server would. */
async function startSmtp(options: Partial<SMTPServerOptions> = {}) {
  const received: Received[] = []
  const server = new SMTPServer({
    authOptional: false,
    // The built-in self-signed certificate lets STARTTLS happen; clients must be told to accept it.
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER })
      else callback(new Error('Authentication failed'))
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
        })
        callback()
      })
    },
    logger: false,
    ...options,
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.server.address() as net.AddressInfo).port
  return {
    received,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

function engineWith(secret: Record<string, string>) {
  return new Engine({ plugins, environment: environmentWith({ mail: secret }) })
}

async function runWithErrorEdge(engine: Engine, config: Record<string, unknown>) {
  const flow = buildFlow(
    [
      ['start', 'trigger.manual'],
      ['mail', 'email.send', config],
      ['failed', 'flow.log', { level: 'warn', message: 'mail failed' }],
    ],
    ['start.payload -> mail', 'mail.error -> failed'],
  )
  const report = await engine.run(engine.load(flow), { event: {} })
  const failed = report.nodes.find((n) => n.nodeId === 'failed')
  return {
    report,
    errorValue: failed?.input?.value as { message: string; code: string } | undefined,
  }
}

const message = {
  connection: 'secret@mail',
  to: '{{ profile.traits.email }}',
  cc: ['ops@example.com'],
  subject: 'Order {{ event.properties.orderId }} received',
  text: 'Hello {{ profile.traits.name }}, your total is {{ event.properties.total }}.',
  html: '<p>Hello <b>{{ profile.traits.name }}</b></p>',
}

afterAll(() => closeAllConnections())

describe('email.send against a real SMTP server', () => {
  it('sends to/cc/subject/text/html from templates, over STARTTLS', async () => {
    const smtp = await startSmtp()
    try {
      const engine = engineWith({
        host: '127.0.0.1',
        port: String(smtp.port),
        user: USER,
        password: PASSWORD,
        tls: 'insecure',
        from: 'shop@example.com',
      })
      const { node } = await runNode(engine, 'email.send', message, {
        event: { properties: { orderId: 'o-42', total: 19.9 } },
        profile: { traits: { email: 'ann@example.com', name: 'Ann' } },
      })
      expect(node.status).toBe('ok')
      expect(node.outputs[0]!.value).toMatchObject({
        accepted: ['ann@example.com', 'ops@example.com'],
        rejected: [],
      })
      expect(smtp.received).toHaveLength(1)
      const mail = smtp.received[0]!
      expect(mail).toMatchObject({
        from: 'shop@example.com',
        to: ['ann@example.com', 'ops@example.com'],
        secure: true,
      })
      expect(mail.raw).toMatch(/^Subject: Order o-42 received\r?$/m)
      expect(mail.raw).toMatch(/^Cc: ops@example.com\r?$/m)
      expect(mail.raw).toContain('Hello Ann, your total is 19.9.')
      expect(mail.raw).toContain('<p>Hello <b>Ann</b></p>')
    } finally {
      await closeAllConnections()
      await smtp.close()
    }
  })

  it('requires a verified certificate unless told otherwise', async () => {
    const smtp = await startSmtp()
    try {
      const { errorValue } = await runWithErrorEdge(
        engineWith({
          host: '127.0.0.1',
          port: String(smtp.port),
          user: USER,
          password: PASSWORD,
          tls: 'starttls',
          from: 'shop@example.com',
        }),
        { ...message, to: 'ann@example.com' },
      )
      expect(errorValue!.code).toBe('connection-error')
      expect(errorValue!.message).toMatch(/SMTP: .*certificate/i)
      expect(smtp.received).toHaveLength(0)
    } finally {
      await closeAllConnections()
      await smtp.close()
    }
  })

  it("bad credentials: the server's reply on the error port, never the password", async () => {
    const smtp = await startSmtp()
    try {
      const wrong = 'not-the-Passw0rd'
      const { report, errorValue } = await runWithErrorEdge(
        engineWith({
          host: '127.0.0.1',
          port: String(smtp.port),
          user: USER,
          password: wrong,
          tls: 'insecure',
          from: 'shop@example.com',
        }),
        { ...message, to: 'ann@example.com' },
      )
      expect(errorValue!.code).toBe('auth-error')
      expect(errorValue!.message).toMatch(/SMTP: .*Authentication failed/)
      expect(JSON.stringify(report)).not.toContain(wrong)
      expect(smtp.received).toHaveLength(0)
    } finally {
      await closeAllConnections()
      await smtp.close()
    }
  })

  it('a header injection through a template value stays inside the subject', async () => {
    const smtp = await startSmtp()
    try {
      const engine = engineWith({
        host: '127.0.0.1',
        port: String(smtp.port),
        user: USER,
        password: PASSWORD,
        tls: 'insecure',
        from: 'shop@example.com',
      })
      const { node } = await runNode(
        engine,
        'email.send',
        {
          connection: 'secret@mail',
          to: 'ann@example.com',
          subject: 'Hi {{ event.properties.name }}',
          text: 'x',
        },
        { event: { properties: { name: 'Ann\r\nBcc: victim@example.com' } } },
      )
      expect(node.status).toBe('ok')
      expect(smtp.received[0]!.to).toEqual(['ann@example.com'])
      expect(smtp.received[0]!.raw).not.toMatch(/^Bcc:/im)
    } finally {
      await closeAllConnections()
      await smtp.close()
    }
  })
})

describe('email.send when the server is down or silent', () => {
  it('a refused connection is a clear error on the error port', async () => {
    const port = await closedPort()
    const { errorValue } = await runWithErrorEdge(
      engineWith({
        host: '127.0.0.1',
        port: String(port),
        user: USER,
        password: PASSWORD,
        from: 'a@example.com',
      }),
      { ...message, to: 'ann@example.com', timeoutMs: 2000 },
    )
    expect(errorValue!.code).toBe('connection-error')
    expect(errorValue!.message).toMatch(/SMTP: .*ECONNREFUSED/)
  })

  it('a server that never greets fails within the time limit', async () => {
    const sockets: net.Socket[] = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    try {
      const started = Date.now()
      const { errorValue } = await runWithErrorEdge(
        engineWith({
          host: '127.0.0.1',
          port: String((silent.address() as net.AddressInfo).port),
          from: 'a@example.com',
        }),
        { ...message, to: 'ann@example.com', timeoutMs: 400 },
      )
      expect(errorValue!.code).toBe('timeout')
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      await closeAllConnections()
      for (const s of sockets) s.destroy()
      await new Promise((r) => silent.close(r))
    }
  })
})

describe('email.send in test cases', () => {
  it('a mocked node never sends mail, and an unmocked one says it would', async () => {
    const engine = engineWith({ host: '127.0.0.1', port: '1', from: 'a@example.com' })
    const mocked = await runNode(
      engine,
      'email.send',
      { ...message, to: 'ann@example.com' },
      {
        testing: true,
        mocks: {
          subject: {
            port: 'sent',
            value: { messageId: 'm-1', accepted: ['ann@example.com'], rejected: [] },
          },
        },
      },
    )
    expect(mocked.node.outputs[0]!.port).toBe('sent')
    const unmocked = await runNode(
      engine,
      'email.send',
      { ...message, to: 'ann@example.com' },
      { testing: true },
    )
    expect(unmocked.node.error!.code).toBe('no-mock')
  })
})
