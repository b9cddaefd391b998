/**
 * Random (version 4) UUIDs for runs, events and sessions: a run makes up to three. Random bytes
 * are drawn and turned into hex a thousand ids at a time, so an id costs five slices of a
 * string rather than a call into the crypto library and thirty-six characters put together.
 */
import { randomFillSync } from 'node:crypto'

const BATCH = 4096
const bytes = Buffer.alloc(16 * BATCH)
let hex = ''
let offset = 32 * BATCH

export function newId(): string {
  if (offset === 32 * BATCH) {
    randomFillSync(bytes)
    for (let i = 0; i < bytes.length; i += 16) {
      bytes[i + 6] = (bytes[i + 6]! & 0x0f) | 0x40 // version 4
      bytes[i + 8] = (bytes[i + 8]! & 0x3f) | 0x80 // RFC 4122 variant
    }
    hex = bytes.toString('hex')
    offset = 0
  }
  const o = offset
  offset += 32
  return `${hex.slice(o, o + 8)}-${hex.slice(o + 8, o + 12)}-${hex.slice(o + 12, o + 16)}-${hex.slice(o + 16, o + 20)}-${hex.slice(o + 20, o + 32)}`
}
