/**
 * Attack: a forged webhook. Anyone who learns a hook's URL can post to it; a hook configured
 * with a signature must run nothing for a request that is unsigned, signed with another secret,
 * altered after signing, or (Stripe) a genuine delivery replayed after its tolerance. The bodies
 * are the services' own (test/fixtures/webhooks), signed here the way GitHub and Stripe sign.
 */
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { Store } from '../../src-main/store/store'
import { repoRoot } from '../fixtures/flows'
import { hookFlow, raw, tempDir } from './serve-helpers'

const registry = PluginRegistry.withBuiltins()
const GITHUB_SECRET = 'gh-webhook-secret-2f9c'
const STRIPE_SECRET = 'whsec_test_5e1b7d0c9a'
const SHOP_SECRET = 'shop-shared-secret-81d2'
const fixture = (name: string) =>
  readFileSync(path.join(repoRoot, 'test/fixtures/webhooks', name), 'utf8')

function githubSignature(body: string, secret = GITHUB_SECRET): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`
}

function stripeSignature(body: string, t = Math.floor(Date.now() / 1000), secret = STRIPE_SECRET) {
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')
  return `t=${t},v1=${v1}`
}

/** A hook whose run records the event's properties in the run report. */
function signedHook(id: string, hookPath: string, signature: Record<string, unknown>): Flow {
  return hookFlow(id, { path: hookPath, eventType: id, signature })
}

describe('signed webhooks refuse forged deliveries', () => {
  let store: Store
  let server: Server
  const flows = [
    signedHook('github-hook', 'github', {
      scheme: 'github',
      secret: 'secret@github.webhookSecret',
    }),
    signedHook('stripe-hook', 'stripe', {
      scheme: 'stripe',
      secret: 'secret@stripe.signingSecret',
    }),
    signedHook('shop-hook', 'shop', {
      scheme: 'hmac',
      secret: 'secret@shop.key',
      algorithm: 'sha512',
      header: 'X-Shop-Signature',
      encoding: 'base64',
      prefix: 'sha512=',
    }),
  ]
  const journaled = () => [...store.journalEntries()].length
  const runsOf = (flowId: string) => store.listRuns({ flowId }).runs
  const propertiesOf = (runId: string) =>
    (store.getRun(runId).state.event as { properties?: unknown }).properties
  const post = (hookPath: string, body: string, headers: Record<string, string>) =>
    raw(server.port, {
      method: 'POST',
      path: `/hooks/${hookPath}`,
      body,
      headers: { 'content-type': 'application/json', ...headers },
    })

  beforeAll(async () => {
    for (const flow of flows)
      expect(hasErrors(validateFlow(flow, { plugins: registry }))).toBe(false)
    store = Store.open(tempDir('fb-signed-hooks-'))
    server = await serve({
      flows: flows.map((flow) => ({ flow, revision: 1 })),
      store,
      plugins: registry,
      port: 0,
      log: () => {},
      environment: {
        name: 'production',
        vars: {},
        secrets: {
          github: { webhookSecret: GITHUB_SECRET },
          stripe: { signingSecret: STRIPE_SECRET },
          shop: { key: SHOP_SECRET },
        },
      },
    })
  })
  afterAll(async () => {
    await server.close()
    store.close()
  })

  it('runs a GitHub ping signed with the shared secret', async () => {
    const body = fixture('github-ping.json')
    const res = await post('github', body, {
      'x-github-event': 'ping',
      'x-hub-signature-256': githubSignature(body),
    })
    expect(res.status).toBe(202)
    await server.drained()
    const runs = runsOf('github-hook')
    expect(runs).toHaveLength(1)
    expect(propertiesOf(runs[0]!.runId)).toMatchObject({
      zen: 'Anything added dilutes everything else.',
      hook_id: 109948940,
    })
  })

  it('refuses a GitHub delivery that is unsigned, signed with another secret, or altered', async () => {
    const before = journaled()
    const body = fixture('github-ping.json')
    const altered = body.replace('"hook_id": 109948940', '"hook_id": 666')
    expect(altered).not.toBe(body)
    for (const [sent, headers] of [
      [body, {}],
      [body, { 'x-hub-signature-256': githubSignature(body, 'guessed-secret') }],
      [altered, { 'x-hub-signature-256': githubSignature(body) }],
      [
        body,
        {
          'x-hub-signature': `sha1=${createHmac('sha1', GITHUB_SECRET).update(body).digest('hex')}`,
        },
      ],
    ] as const) {
      const res = await post('github', sent, headers)
      expect(res.status).toBe(401)
    }
    await server.drained()
    expect(journaled()).toBe(before)
    expect(runsOf('github-hook')).toHaveLength(1)
  })

  it('runs a fresh Stripe payment_intent.succeeded event, also among several v1 signatures', async () => {
    const body = fixture('stripe-payment_intent.succeeded.json')
    const signed = stripeSignature(body)
    expect((await post('stripe', body, { 'stripe-signature': signed })).status).toBe(202)
    // While a secret is rolled Stripe signs with both: either may match.
    const rolled = `${signed.split(',')[0]},v1=${'ab'.repeat(32)},${signed.split(',')[1]}`
    expect((await post('stripe', body, { 'stripe-signature': rolled })).status).toBe(202)
    await server.drained()
    const runs = runsOf('stripe-hook')
    expect(runs).toHaveLength(2)
    expect(propertiesOf(runs[0]!.runId)).toMatchObject({
      type: 'payment_intent.succeeded',
      data: { object: { amount: 2000, status: 'succeeded' } },
    })
  })

  it('refuses a Stripe delivery that is stale, unsigned or signed with another secret', async () => {
    const before = journaled()
    const body = fixture('stripe-payment_intent.succeeded.json')
    const now = Math.floor(Date.now() / 1000)
    for (const headers of [
      // A genuine delivery captured and replayed six minutes later.
      { 'stripe-signature': stripeSignature(body, now - 360) },
      {},
      { 'stripe-signature': stripeSignature(body, now, 'whsec_guessed') },
      { 'stripe-signature': `t=${now}` },
    ] as Record<string, string>[]) {
      const res = await post('stripe', body, headers)
      expect(res.status).toBe(401)
    }
    await server.drained()
    expect(journaled()).toBe(before)
    expect(runsOf('stripe-hook')).toHaveLength(2)
  })

  it('checks a generic HMAC over the raw bytes of a form body, whose fields become properties', async () => {
    const body = 'order=1042&item=tea&item=cups&note=caf%C3%A9+au+lait'
    const signature = `sha512=${createHmac('sha512', SHOP_SECRET).update(body).digest('base64')}`
    const form = { 'content-type': 'application/x-www-form-urlencoded' }
    const before = journaled()
    expect(
      (await post('shop', body, { ...form, 'x-shop-signature': signature.slice(7) })).status,
    ).toBe(401)
    expect(
      (await post('shop', `${body}&admin=1`, { ...form, 'x-shop-signature': signature })).status,
    ).toBe(401)
    await server.drained()
    expect(journaled()).toBe(before)
    expect((await post('shop', body, { ...form, 'x-shop-signature': signature })).status).toBe(202)
    await server.drained()
    const runs = runsOf('shop-hook')
    expect(runs).toHaveLength(1)
    expect(propertiesOf(runs[0]!.runId)).toEqual({
      order: '1042',
      item: ['tea', 'cups'],
      note: 'café au lait',
    })
  })
})

describe('a signed hook whose secret the server was not given', () => {
  it('runs nothing (503) rather than accepting unverified requests', async () => {
    const store = Store.open(tempDir('fb-signed-hooks-nosecret-'))
    const flow = signedHook('github-hook', 'github', {
      scheme: 'github',
      secret: 'secret@github.webhookSecret',
    })
    // Embedders that pass no environment (no secrets at all) still serve; the hook stays shut.
    const server = await serve({
      flows: [{ flow, revision: 1 }],
      store,
      plugins: registry,
      port: 0,
      log: () => {},
    })
    try {
      const body = fixture('github-ping.json')
      const res = await raw(server.port, {
        method: 'POST',
        path: '/hooks/github',
        body,
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': githubSignature(body),
        },
      })
      expect(res.status).toBe(503)
      expect([...store.journalEntries()].length).toBe(0)
    } finally {
      await server.close()
      store.close()
    }
    // With an environment, a missing signing secret stops serve from starting at all.
    const again = Store.open(tempDir('fb-signed-hooks-nosecret-'))
    await expect(
      serve({
        flows: [{ flow, revision: 1 }],
        store: again,
        plugins: registry,
        port: 0,
        log: () => {},
        environment: { name: 'production', vars: {}, secrets: {} },
      }),
    ).rejects.toThrow(
      'missing secrets: github.webhookSecret (FLOWBENCH_SECRET_GITHUB_WEBHOOKSECRET)',
    )
    again.close()
  })
})
