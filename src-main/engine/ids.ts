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
const text = Buffer.alloc(ID_LENGTH * BATCH)
const chars = new Uint8Array(text.buffer, text.byteOffset, text.length)
/** The two hex digits of each byte value, as character codes. */
const HIGH = new Uint8Array(256)
const LOW = new Uint8Array(256)
for (let i = 0; i < 256; i++) {
  HIGH[i] = '0123456789abcdef'.charCodeAt(i >> 4)
  LOW[i] = '0123456789abcdef'.charCodeAt(i & 15)
}
const DASH = 45
let ids = ''
let next = BATCH

/** Writes byte `b` of the id at `t` in the text, at `at`. */
function hex(b: number, t: number, at: number): void {
  const byte = bytes[b]!
  chars[t + at] = HIGH[byte]!
  chars[t + at + 1] = LOW[byte]!
}

function refill(): void {
  if (drawn === DRAWS) {
    randomFillSync(bytes)
    drawn = 0
  }
  const from = 16 * BATCH * drawn++
  for (let id = 0; id < BATCH; id++) {
    const b = from + id * 16
    const t = id * ID_LENGTH
    bytes[b + 6] = (bytes[b + 6]! & 0x0f) | 0x40 // version 4
    bytes[b + 8] = (bytes[b + 8]! & 0x3f) | 0x80 // RFC 4122 variant
    hex(b, t, 0)
    hex(b + 1, t, 2)
    hex(b + 2, t, 4)
    hex(b + 3, t, 6)
    chars[t + 8] = DASH
    hex(b + 4, t, 9)
    hex(b + 5, t, 11)
    chars[t + 13] = DASH
    hex(b + 6, t, 14)
    hex(b + 7, t, 16)
    chars[t + 18] = DASH
    hex(b + 8, t, 19)
    hex(b + 9, t, 21)
    chars[t + 23] = DASH
    for (let i = 10; i < 16; i++) hex(b + i, t, 4 + i * 2)
  }
  ids = text.toString('latin1')
  next = 0
}

export function newId(): string {
  if (next === BATCH) refill()
  const start = next++ * ID_LENGTH
  return ids.slice(start, start + ID_LENGTH)
}
