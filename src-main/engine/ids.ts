/**
 * Random (version 4) UUIDs for runs, events and sessions: a run makes up to three. Random bytes
 * are drawn and written out as UUID text a batch of ids at a time, so an id is one slice of
 * that text rather than a call into the crypto library and thirty-six characters put together.
 */
import { randomFillSync } from 'node:crypto'

/**
 * 256 ids (a 9 KB text) a batch: a larger text is allocated among large objects, and turning it
 * into a string cost more per id than the call overhead a smaller batch saves (4,096: ~80 ns an
 * id in a loop that also allocates; 256: ~60).
 */
const BATCH = 256
const ID_LENGTH = 36
/**
 * Random bytes are drawn for 16 batches at once: one call for 64 KB costs about a third of
 * sixteen calls for 4 KB each (the call, not the bytes, is most of the cost).
 */
const DRAWS = 16
const bytes = new Uint8Array(16 * BATCH * DRAWS)
let drawn = DRAWS
const chars = new Uint8Array(ID_LENGTH * BATCH)
/**
 * The text is written four characters at a time (an id's 36 are nine words, dashes included):
 * a quarter of the stores of writing it byte by byte. Little-endian through a DataView, so the
 * first character is the lowest byte on any machine.
 */
const words = new DataView(chars.buffer)
const text = Buffer.from(chars.buffer)
/** The two hex digits of each byte value as two character codes, the first in the low byte. */
const HEX2 = new Uint16Array(256)
for (let i = 0; i < 256; i++)
  HEX2[i] = '0123456789abcdef'.charCodeAt(i >> 4) | ('0123456789abcdef'.charCodeAt(i & 15) << 8)
const DASH = 45
let ids = ''
let next = BATCH

function refill(): void {
  if (drawn === DRAWS) {
    randomFillSync(bytes)
    drawn = 0
  }
  const from = 16 * BATCH * drawn++
  for (let id = 0; id < BATCH; id++) {
    const b = from + id * 16
    const t = id * ID_LENGTH
    // Version 4 and the RFC 4122 variant.
    const b6 = HEX2[(bytes[b + 6]! & 0x0f) | 0x40]!
    const b8 = HEX2[(bytes[b + 8]! & 0x3f) | 0x80]!
    const b5 = HEX2[bytes[b + 5]!]!
    // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx, four characters a word.
    words.setUint32(t, HEX2[bytes[b]!]! | (HEX2[bytes[b + 1]!]! << 16), true)
    words.setUint32(t + 4, HEX2[bytes[b + 2]!]! | (HEX2[bytes[b + 3]!]! << 16), true)
    words.setUint32(t + 8, DASH | (HEX2[bytes[b + 4]!]! << 8) | ((b5 & 0xff) << 24), true)
    words.setUint32(t + 12, (b5 >> 8) | (DASH << 8) | (b6 << 16), true)
    words.setUint32(t + 16, HEX2[bytes[b + 7]!]! | (DASH << 16) | ((b8 & 0xff) << 24), true)
    words.setUint32(t + 20, (b8 >> 8) | (HEX2[bytes[b + 9]!]! << 8) | (DASH << 24), true)
    words.setUint32(t + 24, HEX2[bytes[b + 10]!]! | (HEX2[bytes[b + 11]!]! << 16), true)
    words.setUint32(t + 28, HEX2[bytes[b + 12]!]! | (HEX2[bytes[b + 13]!]! << 16), true)
    words.setUint32(t + 32, HEX2[bytes[b + 14]!]! | (HEX2[bytes[b + 15]!]! << 16), true)
  }
  ids = text.toString('latin1')
  next = 0
}

export function newId(): string {
  if (next === BATCH) refill()
  const start = next++ * ID_LENGTH
  return ids.slice(start, start + ID_LENGTH)
}
