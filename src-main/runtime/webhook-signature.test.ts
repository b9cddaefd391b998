import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { SignatureConfig } from './webhook-signature'
import { signatureProblem, signatureSecretRef } from './webhook-signature'

const body = Buffer.from('Hello, World!')
const request = (headers: Record<string, string>) => ({ headers })
const hmac = (algorithm: string, secret: string, text: string | Buffer) =>
  createHmac(algorithm, secret).update(text)

describe('webhook signatures', () => {
  const github: SignatureConfig = { scheme: 'github', secret: 'secret@github.webhookSecret' }

  it("accepts GitHub's own documented test vector", () => {
    // From GitHub's "Validating webhook deliveries" page.
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'
    expect(
      signatureProblem(
        github,
        "It's a Secret to Everybody",
        request({ 'x-hub-signature-256': signature }),
        body,
      ),
    ).toBeNull()
  })

  it('refuses a GitHub delivery with a wrong, truncated, non-hex or unprefixed signature', () => {
    const good = hmac('sha256', 'k', body).digest('hex')
    for (const given of [
      `sha256=${hmac('sha256', 'other', body).digest('hex')}`,
      `sha256=${good.slice(0, 40)}`,
      `sha256=${good.slice(0, -1)}z`,
      good,
      `sha1=${hmac('sha1', 'k', body).digest('hex')}`,
    ])
      expect(
        signatureProblem(github, 'k', request({ 'x-hub-signature-256': given }), body),
      ).toMatch(/Wrong|must start/)
    expect(signatureProblem(github, 'k', request({}), body)).toBe(
      'Missing X-Hub-Signature-256 header',
    )
  })

  it('checks Stripe signatures over "<t>.<body>" within the tolerance, any of several v1', () => {
    const stripe: SignatureConfig = {
      scheme: 'stripe',
      secret: 'secret@stripe.signing',
      toleranceSeconds: 60,
    }
    const now = 1_700_000_000_000
    const t = now / 1000 - 30
    const v1 = hmac('sha256', 'whsec_x', `${t}.${body.toString()}`).digest('hex')
    const header = (value: string) => request({ 'stripe-signature': value })
    expect(
      signatureProblem(
        stripe,
        'whsec_x',
        header(`t=${t},v1=${'0'.repeat(64)},v1=${v1},v0=abc`),
        body,
        now,
      ),
    ).toBeNull()
    expect(
      signatureProblem(stripe, 'whsec_x', header(`t=${t},v1=${'0'.repeat(64)}`), body, now),
    ).toMatch(/Wrong/)
    expect(signatureProblem(stripe, 'whsec_x', header(`t=${t - 60},v1=${v1}`), body, now)).toMatch(
      /60 s/,
    )
    expect(signatureProblem(stripe, 'whsec_x', header(`t=${t + 1},v1=${v1}`), body, now)).toMatch(
      /Wrong/,
    )
    expect(signatureProblem(stripe, 'whsec_x', header(`v1=${v1}`), body, now)).toMatch(/timestamp/)
    expect(signatureProblem(stripe, 'whsec_x', header(`t=${t}`), body, now)).toMatch(/no v1/)
  })

  it('checks generic HMACs with the configured algorithm, header, encoding and prefix', () => {
    const config: SignatureConfig = {
      scheme: 'hmac',
      secret: 'secret@shop.key',
      algorithm: 'sha512',
      header: 'X-Shop-Hmac',
      encoding: 'base64',
      prefix: 'sha512=',
    }
    const good = `sha512=${hmac('sha512', 's', body).digest('base64')}`
    expect(signatureProblem(config, 's', request({ 'x-shop-hmac': good }), body)).toBeNull()
    expect(signatureProblem(config, 's', request({ 'x-shop-hmac': good.slice(7) }), body)).toMatch(
      /must start/,
    )
    expect(
      signatureProblem(
        config,
        's',
        request({ 'x-shop-hmac': `sha512=${hmac('sha256', 's', body).digest('base64')}` }),
        body,
      ),
    ).toMatch(/Wrong/)
    const sha1: SignatureConfig = {
      scheme: 'hmac',
      secret: 'secret@a.b',
      algorithm: 'sha1',
      header: 'X-Sig',
    }
    expect(
      signatureProblem(
        sha1,
        's',
        request({ 'x-sig': hmac('sha1', 's', body).digest('hex') }),
        body,
      ),
    ).toBeNull()
  })

  it('reads the secret only from a secret@NAME.FIELD reference', () => {
    expect(signatureSecretRef({ scheme: 'github', secret: 'secret@github.webhookSecret' })).toEqual(
      {
        name: 'github',
        field: 'webhookSecret',
      },
    )
    expect(signatureSecretRef({ scheme: 'github', secret: 'hunter2' })).toBeNull()
    expect(signatureSecretRef({ scheme: 'github', secret: 'secret@github' })).toBeNull()
  })
})
