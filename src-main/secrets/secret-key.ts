/**
 * The key that seals secrets at rest (AES-256-GCM, node:crypto). It never lives in the database,
 * so a database copied to another machine without it reveals no secret. In order:
 * `FLOWBENCH_SECRET_KEY` (32 bytes as base64 or hex), else `<dataDir>/secret.key`, created on
 * first use with owner-only permissions. The desktop app wraps that file with the OS keychain
 * (Electron's safeStorage) through a KeyProtector.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
  closeSync,
  fsyncSync,
  statSync,
} from 'node:fs'
import path from 'node:path'

export const SECRET_KEY_ENV = 'FLOWBENCH_SECRET_KEY'
export const KEY_FILE = 'secret.key'
const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16

/** Wraps the key file's bytes (the desktop app uses the OS keychain). */
export interface KeyProtector {
  readonly name: string
  seal(key: Buffer): Buffer
  open(sealed: Buffer): Buffer
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretKeyError'
  }
}

function parseKey(text: string, where: string): Buffer {
  const trimmed = text.trim()
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64')
  if (key.length !== KEY_BYTES)
    throw new SecretKeyError(
      `${where} must hold a 32-byte key as base64 or hex (got ${key.length} bytes)`,
    )
  return key
}

function writePrivate(file: string, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`
  const fd = openSync(temp, 'wx', 0o600)
  try {
    writeSync(fd, data)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(temp, file)
}

/** The key for a data directory (created there if it has none); null dataDir keeps it in memory. */
export function loadSecretKey(options: {
  dataDir: string | null
  env?: NodeJS.ProcessEnv
  protector?: KeyProtector
}): Buffer {
  const env = options.env ?? process.env
  const given = env[SECRET_KEY_ENV]
  if (given) return parseKey(given, SECRET_KEY_ENV)
  if (options.dataDir === null) return randomBytes(KEY_BYTES)
  const file = path.join(
    options.dataDir,
    options.protector ? `${KEY_FILE}.${options.protector.name}` : KEY_FILE,
  )
  if (existsSync(file)) {
    const raw = readFileSync(file)
    if (options.protector) {
      const key = options.protector.open(raw)
      if (key.length !== KEY_BYTES) throw new SecretKeyError(`${file} does not hold a usable key`)
      return key
    }
    if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600)
    return parseKey(raw.toString('utf8'), file)
  }
  mkdirSync(options.dataDir, { recursive: true })
  const key = randomBytes(KEY_BYTES)
  writePrivate(
    file,
    options.protector ? options.protector.seal(key) : Buffer.from(key.toString('base64') + '\n'),
  )
  return key
}

/** AES-256-GCM with a fresh IV per value; `context` (the secret's name) is bound as associated data. */
export class SecretCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretKeyError('A secret key has 32 bytes')
  }

  seal(plain: string, context: string): Buffer {
    const iv = randomBytes(IV_BYTES)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    cipher.setAAD(Buffer.from(context))
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
    return Buffer.concat([iv, cipher.getAuthTag(), data])
  }

  open(sealed: Buffer, context: string): string {
    if (sealed.length < IV_BYTES + TAG_BYTES)
      throw new SecretKeyError(`The stored secret ${context} is damaged`)
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, IV_BYTES))
    decipher.setAAD(Buffer.from(context))
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    try {
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8')
    } catch {
      throw new SecretKeyError(
        `The secret ${context} cannot be opened with this key (was the database copied from another machine, or ${SECRET_KEY_ENV} changed?)`,
      )
    }
  }
}
