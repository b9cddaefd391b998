/**
 * Optional bundle signatures: an Ed25519 signature over `manifest.json`, stored beside it as
 * `signature.json`. The manifest holds the sha256 of every other file, so signing it covers
 * the whole bundle. node:crypto does Ed25519 natively, so no dependency is needed.
 */
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { z } from 'zod'

export const SIGNATURE_ENTRY = 'signature.json'

export const BundleSignature = z
  .object({
    algorithm: z.literal('ed25519'),
    /** sha256 of the signer's public key (SPKI DER), so a wrong key is named as such. */
    publicKeyFingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    signature: z.string().regex(/^[A-Za-z0-9+/]+=*$/),
  })
  .strict()
export type BundleSignature = z.infer<typeof BundleSignature>

export class SignatureError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SignatureError'
  }
}

function ed25519Key(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519')
    throw new SignatureError(
      `${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key; Flowbench signs with Ed25519 (flowbench keys create)`,
    )
  return key
}

function privateKeyOf(pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPrivateKey(pem)
  } catch (error) {
    throw new SignatureError(
      `The signing key is not a private key in PEM form: ${(error as Error).message}`,
    )
  }
  return ed25519Key(key, 'The signing key')
}

function publicKeyOf(pem: string): KeyObject {
  let key: KeyObject
  try {
    key = createPublicKey(pem)
  } catch (error) {
    throw new SignatureError(`The public key is not a key in PEM form: ${(error as Error).message}`)
  }
  // createPublicKey accepts a private key too (and derives the public half); a private key
  // given where a public one is expected is still usable, but it must be Ed25519.
  return ed25519Key(key, 'The public key')
}

export function fingerprintOf(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
}

/** A new Ed25519 key pair as PEM text, with the public key's fingerprint. */
export function createKeyPair(): {
  privateKeyPem: string
  publicKeyPem: string
  fingerprint: string
} {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    fingerprint: fingerprintOf(publicKey),
  }
}

export function signManifest(manifest: Uint8Array, privateKeyPem: string): BundleSignature {
  const key = privateKeyOf(privateKeyPem)
  return {
    algorithm: 'ed25519',
    publicKeyFingerprint: fingerprintOf(createPublicKey(key)),
    signature: sign(null, manifest, key).toString('base64'),
  }
}

/** The fingerprint of a public key file's key (for messages and the import dialog). */
export function publicKeyFingerprint(publicKeyPem: string): string {
  return fingerprintOf(publicKeyOf(publicKeyPem))
}

/** Reads `signature.json`; null when the bundle is unsigned. Throws SignatureError when it is malformed. */
export function parseSignature(data: Uint8Array | null): BundleSignature | null {
  if (!data) return null
  try {
    return BundleSignature.parse(JSON.parse(new TextDecoder().decode(data)))
  } catch (error) {
    throw new SignatureError(
      `The bundle's signature.json is malformed: ${(error as Error).message.split('\n')[0]}`,
    )
  }
}

/**
 * Checks that the manifest was signed by the holder of this public key. Throws SignatureError
 * for an unsigned bundle, a signature by another key, and any change to the manifest (and so,
 * through its checksums, to any file).
 */
export function verifyManifest(
  manifest: Uint8Array,
  signatureBytes: Uint8Array | null,
  publicKeyPem: string,
): BundleSignature {
  const key = publicKeyOf(publicKeyPem)
  const expected = fingerprintOf(key)
  const signature = parseSignature(signatureBytes)
  if (!signature) throw new SignatureError('The bundle is not signed, and a signature was required')
  if (signature.publicKeyFingerprint !== expected) {
    throw new SignatureError(
      `The bundle is signed by another key (${signature.publicKeyFingerprint.slice(0, 16)}…), not by ${expected.slice(0, 16)}…`,
    )
  }
  if (!verify(null, manifest, key, Buffer.from(signature.signature, 'base64'))) {
    throw new SignatureError(
      "The bundle's signature does not match its manifest: it was changed after it was signed",
    )
  }
  return signature
}
