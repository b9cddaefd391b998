import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Engine } from '../src-main/engine/runner'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { runNode } from '../test/fixtures/run-node'

const engine = new Engine({ plugins: PluginRegistry.withBuiltins() })

function runOne(
  plugin: string,
  config: Record<string, unknown>,
  event: Record<string, unknown> = {},
  options: {
    profile?: Record<string, unknown>
    testing?: boolean
    mocks?: Record<string, { port: string; value: unknown }>
  } = {},
) {
  return runNode(engine, plugin, config, { event, ...options })
}

describe('data.transform', () => {
  it('reshapes the state with JSONata and can write the result', async () => {
    const { node, report } = await runOne(
      'data.transform',
      {
        expression: '{ "sum": $sum(event.properties.items.price), "who": profile.traits.name }',
        to: 'flow@summary',
      },
      { properties: { items: [{ price: 2 }, { price: 5 }] } },
      { profile: { traits: { name: 'Ann' } } },
    )
    expect(node.outputs[0]!.value).toEqual({ sum: 7, who: 'Ann' })
    expect(report.state.flow).toEqual({ summary: { sum: 7, who: 'Ann' } })
  })

  it('names the position of a syntax error', async () => {
    const { node } = await runOne('data.transform', { expression: '{ "a": ' })
    expect(node.error).toMatchObject({
      code: 'invalid-expression',
      message: expect.stringMatching(/position \d+/),
    })
  })
})

describe('data.merge, data.hash, data.mask', () => {
  it('merges deeply into the target, creating it', async () => {
    const { report } = await runOne(
      'data.merge',
      { into: 'profile@traits.address', from: 'event@properties.address', deep: true },
      { properties: { address: { city: 'Berlin', geo: { lat: 1 } } } },
      { profile: { traits: { address: { zip: '10115', geo: { lon: 2 } } } } },
    )
    expect((report.state.profile as { traits: unknown }).traits).toEqual({
      address: { zip: '10115', city: 'Berlin', geo: { lon: 2, lat: 1 } },
    })
  })

  it('hashes with a salt and masks e-mails and card numbers', async () => {
    const hashed = await runOne(
      'data.hash',
      { paths: ['event@properties.email'], algorithm: 'md5', salt: 's' },
      { properties: { email: 'a@b.c' } },
    )
    expect(
      (hashed.report.state.event as { properties: { email: string } }).properties.email,
    ).toMatch(/^[0-9a-f]{32}$/)
    const masked = await runOne(
      'data.mask',
      {
        paths: ['event@properties.card', 'event@properties.email', 'event@properties.none'],
        keepEnd: 4,
      },
      { properties: { card: 4111222233334444, email: 'bob@example.org' } },
    )
    expect((masked.report.state.event as { properties: unknown }).properties).toEqual({
      card: '************4444',
      email: 'b***@example.org',
    })
  })
})

describe('profile.add-consent and profile.merge', () => {
  it('records a consent with the event time', async () => {
    const { report } = await runOne(
      'profile.add-consent',
      { consent: '{{ event.properties.kind }}', granted: false },
      { time: '2026-01-01T00:00:00.000Z', properties: { kind: 'email' } },
    )
    expect((report.state.profile as { consents: unknown }).consents).toEqual({
      email: { granted: false, at: '2026-01-01T00:00:00.000Z' },
    })
  })

  it('merges traits, keeping existing ones when asked', async () => {
    const { report } = await runOne(
      'profile.merge',
      {
        traits: { name: 'event@properties.name', tier: 'gold', missing: 'event@properties.nope' },
        strategy: 'keep-existing',
      },
      { properties: { name: 'New' } },
      { profile: { traits: { name: 'Old' } } },
    )
    expect((report.state.profile as { traits: unknown }).traits).toEqual({
      name: 'Old',
      tier: 'gold',
    })
  })
})

describe('http.request', () => {
  let server: http.Server
  let base = ''
  const seen: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }[] =
    []

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c) => (body += c))
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, headers: req.headers, body })
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000)
        if (req.url === '/text') return void res.end('plain words')
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ ok: true, echo: body ? JSON.parse(body) : null }))
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('sends templated URL, headers and a resolved body, and parses a JSON response', async () => {
    const { node } = await runOne(
      'http.request',
      {
        method: 'POST',
        url: `${base}/orders/{{ event.properties.id }}`,
        headers: { 'x-customer': '{{ event.properties.customer }}' },
        body: { id: 'event@properties.id', note: 'hi {{ event.properties.customer }}' },
      },
      { properties: { id: 7, customer: 'ann' } },
    )
    expect(node.outputs[0]).toMatchObject({
      port: 'response',
      value: { status: 200, body: { ok: true, echo: { id: 7, note: 'hi ann' } } },
    })
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/orders/7',
      headers: expect.objectContaining({ 'x-customer': 'ann' }),
    })
  })

  it('passes text bodies and 4xx statuses on, or fails on them when asked', async () => {
    expect(
      (await runOne('http.request', { method: 'GET', url: `${base}/text` })).node.outputs[0]!.value,
    ).toMatchObject({ status: 200, body: 'plain words' })
    expect(
      (await runOne('http.request', { method: 'GET', url: `${base}/missing` })).node.outputs[0]!
        .value,
    ).toMatchObject({ status: 404 })
    expect(
      (await runOne('http.request', { method: 'GET', url: `${base}/missing`, failOnStatus: true }))
        .node.error,
    ).toMatchObject({ code: 'http-status' })
  })

  it('ends with a timeout error', async () => {
    const { node } = await runOne('http.request', {
      method: 'GET',
      url: `${base}/slow`,
      timeoutMs: 100,
    })
    expect(node.error).toMatchObject({ code: 'timeout' })
  })

  it('never reaches the network in a test run: a mock answers, or the run says a mock is missing', async () => {
    const before = seen.length
    const noMock = await runOne(
      'http.request',
      { method: 'GET', url: `${base}/text` },
      {},
      { testing: true },
    )
    expect(noMock.node.error).toMatchObject({ code: 'no-mock' })
    const mocked = await runOne(
      'http.request',
      { method: 'GET', url: `${base}/text` },
      {},
      { testing: true, mocks: { subject: { port: 'response', value: { status: 201 } } } },
    )
    expect(mocked.node.outputs[0]).toEqual({ port: 'response', value: { status: 201 } })
    expect(seen.length).toBe(before)
  })

  it('refuses other schemes', async () => {
    expect((await runOne('http.request', { url: 'file:///etc/passwd' })).node.error).toMatchObject({
      code: 'invalid-url',
    })
  })
})

describe('flow.switch and data.append compare as the expression language does', () => {
  it('matches an object case whatever the order of its keys', async () => {
    const { node } = await runOne(
      'flow.switch',
      {
        value: 'event.properties.where',
        cases: [{ port: 'berlin', equals: { city: 'Berlin', country: 'DE' } }],
      },
      { properties: { where: { country: 'DE', city: 'Berlin' } } },
    )
    expect(node.outputs[0]!.port).toBe('berlin')
  })

  it('appends a unique object once, whatever the order of its keys', async () => {
    const { report } = await runOne(
      'data.append',
      { to: 'flow@seen', value: 'event@properties.item', unique: true },
      { properties: { item: { b: 2, a: 1 } } },
    )
    const { report: again } = await runNode(
      engine,
      'data.append',
      { to: 'profile@traits.seen', value: 'event@properties.item', unique: true },
      {
        event: { properties: { item: { b: 2, a: 1 } } },
        profile: { traits: { seen: [{ a: 1, b: 2 }] } },
      },
    )
    expect(report.state.flow).toEqual({ seen: [{ b: 2, a: 1 }] })
    expect((again.state.profile as { traits: { seen: unknown[] } }).traits.seen).toHaveLength(1)
  })
})
