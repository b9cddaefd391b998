/**
 * Random (version 4) UUIDs for runs, events and sessions: a run makes up to three. Random bytes
 * are drawn and written out as UUID text a few thousand ids at a time, so an id is one slice of
 * that text rather than a call into the crypto library and thirty-six characters put together.
 */
import { randomFillSync } from 'node:crypto'

const BATCH = 4096
const ID_LENGTH = 36
const bytes = Buffer.alloc(16 * BATCH)
const text = Buffer.alloc(ID_LENGTH * BATCH)
const HEX = Buffer.from('0123456789abcdef', 'latin1')
/** Where each byte of an id goes in its text: two hex digits, with dashes after bytes 3, 5, 7 and 9. */
const AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34]
let ids = ''
let next = BATCH

function refill(): void {
  randomFillSync(bytes)
  for (let id = 0; id < BATCH; id++) {
    const b = id * 16
    const t = id * ID_LENGTH
    bytes[b + 6] = (bytes[b + 6]! & 0x0f) | 0x40 // version 4
    bytes[b + 8] = (bytes[b + 8]! & 0x3f) | 0x80 // RFC 4122 variant
    for (let i = 0; i < 16; i++) {
      const byte = bytes[b + i]!
      text[t + AT[i]!] = HEX[byte >> 4]!
      text[t + AT[i]! + 1] = HEX[byte & 0x0f]!
    }
    text[t + 8] = text[t + 13] = text[t + 18] = text[t + 23] = 0x2d // '-'
  }
  ids = text.toString('latin1')
  next = 0
}

export function newId(): string {
  if (next === BATCH) refill()
  const start = next++ * ID_LENGTH
  return ids.slice(start, start + ID_LENGTH)
}
