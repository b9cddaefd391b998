/**
 * Signed webhooks: a `trigger.webhook` with a `signature` config accepts a request only when it
 * carries a valid HMAC of its raw body, made with a secret the sender and this server share —
 * the schemes GitHub and Stripe use, and a generic one for everyone else (Shopify, Slack's older
 * style, homegrown senders). Digests are compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type http from 'node:http'
import { parseRef } from '../../src-shared/expr'

export interface SignatureConfig {
  scheme: 'github' | 'stripe' | 'hmac'
  /** `secret@NAME.FIELD`: the shared secret, by name (its value never appears in a flow). */
  secret: string
  /** stripe: how old (or how far ahead) the signed timestamp may be, in seconds. */
  toleranceSeconds?: number
  /** hmac: the digest and where and how it is sent. */
  algorithm?: 'sha1' | 'sha256' | 'sha512'
  header?: string
  encoding?: 'hex' | 'base64'
  prefix?: string
}

export const DEFAULT_STRIPE_TOLERANCE_SECONDS = 300

/** The secret's name and field from `secret@NAME.FIELD`, or null for anything else. */
export function signatureSecretRef(
  config: SignatureConfig,
): { name: string; field: string } | null {
  const ref = parseRef(config.secret)
  if (ref?.source !== 'secret' || ref.path.length !== 2) return null
  return { name: ref.path[0]!, field: ref.path[1]! }
}

function header(req: Pick<http.IncomingMessage, 'headers'>, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()]
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined
}

function digest(algorithm: string, secret: string, ...parts: (string | Buffer)[]): Buffer {
  const hmac = createHmac(algorithm, secret)
  for (const part of parts) hmac.update(part)
  return hmac.digest()
}

/** Whether a hex or base64 text decodes to exactly the expected digest; constant-time. */
function matches(expected: Buffer, given: string, encoding: 'hex' | 'base64'): boolean {
  const valid =
    encoding === 'hex'
      ? /^[0-9a-fA-F]*$/.test(given) && given.length % 2 === 0
      : /^[A-Za-z0-9+/_-]*={0,2}$/.test(given)
  if (!valid) return false
  const decoded = Buffer.from(given, encoding === 'hex' ? 'hex' : 'base64')
  // The length of a digest is public (it follows from the algorithm); only its bytes are not.
  return decoded.length === expected.length && timingSafeEqual(decoded, expected)
}

/**
 * Checks a request's signature; returns null when it is valid, else why it is not (for the 401
 * answer and the log: it never contains the secret or the expected digest).
 */
export function signatureProblem(
  config: SignatureConfig,
  secret: string,
  req: Pick<http.IncomingMessage, 'headers'>,
  rawBody: Buffer,
  now: number = Date.now(),
): string | null {
  switch (config.scheme) {
    case 'github': {
      const given = header(req, 'x-hub-signature-256')
      if (!given) return 'Missing X-Hub-Signature-256 header'
      if (!given.startsWith('sha256=')) return 'X-Hub-Signature-256 must start with "sha256="'
      return matches(digest('sha256', secret, rawBody), given.slice(7), 'hex')
        ? null
        : 'Wrong signature (X-Hub-Signature-256)'
    }
    case 'stripe': {
      const given = header(req, 'stripe-signature')
      if (!given) return 'Missing Stripe-Signature header'
      let timestamp: string | undefined
      const signatures: string[] = []
      for (const item of given.split(',')) {
        const at = item.indexOf('=')
        if (at < 0) continue
        const key = item.slice(0, at).trim()
        const value = item.slice(at + 1).trim()
        if (key === 't') timestamp = value
        else if (key === 'v1') signatures.push(value)
      }
      if (!timestamp || !/^\d{1,15}$/.test(timestamp))
        return 'Stripe-Signature has no timestamp (t=)'
      if (signatures.length === 0) return 'Stripe-Signature has no v1 signature'
      const tolerance = config.toleranceSeconds ?? DEFAULT_STRIPE_TOLERANCE_SECONDS
      // A captured delivery replayed later is refused, and so is one dated ahead.
      if (Math.abs(now / 1000 - Number(timestamp)) > tolerance)
        return `Stripe-Signature timestamp is more than ${tolerance} s away from now`
      const expected = digest('sha256', secret, `${timestamp}.`, rawBody)
      // Every v1 is checked (Stripe sends several while a secret is being rolled).
      let ok = false
      for (const signature of signatures) ok = matches(expected, signature, 'hex') || ok
      return ok ? null : 'Wrong signature (Stripe-Signature)'
    }
    case 'hmac': {
      const name = config.header ?? 'X-Signature'
      const given = header(req, name)
      if (!given) return `Missing ${name} header`
      const prefix = config.prefix ?? ''
      if (!given.startsWith(prefix)) return `${name} must start with "${prefix}"`
      const expected = digest(config.algorithm ?? 'sha256', secret, rawBody)
      return matches(expected, given.slice(prefix.length).trim(), config.encoding ?? 'hex')
        ? null
        : `Wrong signature (${name})`
    }
    default:
      return 'Unknown signature scheme'
  }
}
