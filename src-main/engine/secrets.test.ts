import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../src-shared/flow/validate'
import { environmentRefs, secretsNeeded } from '../../src-shared/flow/environment-refs'
import { buildFlow } from '../../test/fixtures/flows'
import { PluginRegistry } from '../plugins-host/registry'
import { MASK, secretValues } from './redact'
import { Engine } from './runner'
import { MemoryStateStore } from './state-store'

const SECRET = 'sk_live_51H8xQ2'
const environment = {
  name: 'development',
  vars: { apiBase: 'https://api.example.test' },
  secrets: { crm: { apiKey: SECRET, user: 'ann' } },
}
const plugins = PluginRegistry.withBuiltins()

const flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    [
      'check',
      'flow.if',
      { condition: `secrets.crm.apiKey == "${SECRET}" && vars.apiBase != null` },
    ],
    [
      'log',
      'flow.log',
      {
        level: 'info',
        message: 'calling {{ vars.apiBase }}/orders with key {{ secrets.crm.apiKey }}',
      },
    ],
    [
      'keep',
      'data.set',
      {
        values: {
          'profile@traits.key': 'secret@crm.apiKey',
          'flow@url': '{{ vars.apiBase }}/x?k={{ secrets.crm.apiKey }}',
        },
      },
    ],
  ],
  ['start.payload -> check', 'check.true -> log', 'log.payload -> keep'],
)

describe('secrets and variables in a run', () => {
  it('expressions, templates and references read the real values; what leaves reads ••••', async () => {
    const store = new MemoryStateStore()
    const engine = new Engine({ plugins, environment, store })
    const events: unknown[] = []
    const report = await engine.run(engine.load(flow), {
      event: { profileId: 'p1' },
      onEvent: (e) => events.push(e),
    })
    expect(report.status).toBe('succeeded')
    // The condition compared the real value, so the true branch ran.
    expect(report.nodes.map((n) => n.nodeId)).toEqual(['start', 'check', 'log', 'keep'])
    expect(report.nodes[2]!.logs[0]!.message).toBe(
      `calling https://api.example.test/orders with key ${MASK}`,
    )
    expect(report.state.flow).toEqual({ url: `https://api.example.test/x?k=${MASK}` })
    expect((report.state.profile as { traits: Record<string, unknown> }).traits.key).toBe(MASK)
    expect(JSON.stringify(report)).not.toContain(SECRET)
    expect(JSON.stringify(events)).not.toContain(SECRET)
    // Nor is it saved.
    const saved = await store.loadProfile('p1')
    expect(JSON.stringify(saved)).not.toContain(SECRET)
  })

  it('a failing node whose error names the secret is masked too', async () => {
    const failing = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['boom', 'flow.throw', { message: 'bad key {{ secrets.crm.apiKey }}' }],
      ],
      ['start.payload -> boom'],
    )
    const engine = new Engine({ plugins, environment })
    const report = await engine.run(engine.load(failing), {})
    expect(report.status).toBe('failed')
    expect(report.errors[0]!.message).toBe(`bad key ${MASK}`)
    expect(JSON.stringify(report)).not.toContain(SECRET)
  })

  it('a run may lay fake secrets over the environment (test cases)', async () => {
    const engine = new Engine({ plugins, environment })
    const report = await engine.run(engine.load(flow), {
      environment: { secrets: { crm: { apiKey: 'fake' } } },
    })
    expect(report.nodes.find((n) => n.nodeId === 'check')!.outputs[0]!.port).toBe('false')
  })

  it('flows cannot write secrets or variables', async () => {
    const writing = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['w', 'data.set', { values: { 'flow@x': 1 } }],
        ['c', 'data.copy', { from: 'flow@x', to: 'flow@y' }],
      ],
      ['start.payload -> w', 'w.payload -> c'],
    )
    const engine = new Engine({ plugins, environment })
    const loaded = engine.load(writing)
    const report = await engine.run(loaded, {})
    expect(report.status).toBe('succeeded')
    const ctxWrite = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['w', 'data.set', { values: { 'secret@crm.apiKey': 'x' } }],
      ],
      ['start.payload -> w'],
    )
    // Refused when the flow is loaded: a write target is never a secret or a variable.
    expect(() => engine.load(ctxWrite)).toThrow(/values/)
  })

  it('runs that read no secret are left as they are', async () => {
    const plain = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['keep', 'data.set', { values: { 'flow@note': SECRET } }],
      ],
      ['start.payload -> keep'],
    )
    const engine = new Engine({ plugins, environment })
    const report = await engine.run(engine.load(plain), {})
    // The flow carries the text itself; it never read a secret, so nothing is masked.
    expect(report.state.flow).toEqual({ note: SECRET })
  })
})

describe('what a flow needs from its environment', () => {
  it('finds secrets and variables in references, templates and expression fields', () => {
    const refs = environmentRefs(flow, plugins)
    expect(refs.map((r) => [r.kind, r.name, r.field, r.nodeId])).toEqual([
      ['secret', 'crm', 'apiKey', 'check'],
      ['var', 'apiBase', null, 'check'],
      ['var', 'apiBase', null, 'log'],
      ['secret', 'crm', 'apiKey', 'log'],
      ['secret', 'crm', 'apiKey', 'keep'],
      ['var', 'apiBase', null, 'keep'],
      ['secret', 'crm', 'apiKey', 'keep'],
    ])
    expect(refs[4]!.path).toBe('/nodes/3/config/values/profile@traits.key')
    expect(secretsNeeded([flow], plugins)).toEqual({ crm: ['apiKey'] })
  })

  it('the validator names a secret or field the environment does not define', () => {
    const problems = validateFlow(flow, {
      plugins,
      environment: { name: 'production', secrets: { crm: ['user'] }, vars: [] },
    })
    const secrets = problems.filter((p) => p.code === 'unknown-secret')
    expect(secrets.length).toBe(4)
    expect(secrets[0]).toMatchObject({ nodeId: 'check', severity: 'error' })
    expect(secrets[0]!.message).toContain('has no field "apiKey"')
    const none = validateFlow(flow, {
      plugins,
      environment: { name: 'production', secrets: {}, vars: ['apiBase'] },
    })
    expect(none.find((p) => p.code === 'unknown-secret')!.message).toContain(
      'the environment "production" has no secret "crm"',
    )
    expect(
      validateFlow(flow, {
        plugins,
        environment: { name: 'development', secrets: { crm: ['apiKey'] }, vars: ['apiBase'] },
      }),
    ).toEqual([])
  })
})

describe('connection secrets', () => {
  it('mask the credentials but not where to connect', () => {
    const values = secretValues({
      pg: {
        host: '127.0.0.1',
        port: '5432',
        database: 'shop',
        user: 'app',
        password: 'pg-pass-77',
      },
    })
    expect(values.sort()).toEqual(['app', 'pg-pass-77'])
  })
})
