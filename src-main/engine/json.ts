/** Fast clone and diff for the JSON-like documents a run works on (profile, session, event). */
import type { Change } from '../../src-shared/engine/report'
import { jsonEqual } from '../../src-shared/expr/values'

export function cloneJson<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  return cloneContainer(value as object) as T
}

// Own enumerable keys in their order, as for…in with hasOwn gives them, without the calls for leaves.
function cloneContainer(value: object): unknown {
  if (Array.isArray(value)) {
    const length = value.length
    const out = new Array(length)
    for (let i = 0; i < length; i++) {
      const item: unknown = value[i]
      out[i] = item === null || typeof item !== 'object' ? item : cloneContainer(item)
    }
    return out
  }
  const out: Record<string, unknown> = {}
  const keys = Object.keys(value)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    // An own "__proto__" entry (JSON.parse makes one) is dropped: assigned, it would set the
    // copy's prototype to whatever object the data put there.
    if (key === '__proto__') continue
    const item = (value as Record<string, unknown>)[key]
    out[key] = item === null || typeof item !== 'object' ? item : cloneContainer(item)
  }
  return out
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function escapePointer(key: string): string {
  // One pass over the (short) key by character code: two `includes` cost several times more.
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code === 126 || code === 47) return key.replace(/~/g, '~0').replace(/\//g, '~1')
  }
  return key
}

/**
 * `/<key>` escaped, for the keys a diff meets: the same few in every run (traits, orders…), so
 * each is escaped and joined once, not for every change of every run. Long keys are not kept
 * (a document's keys are the caller's; they must not fill memory).
 */
const segments = new Map<string, string>()
const SEGMENT_LIMIT = 5000
const SEGMENT_KEY_LENGTH = 64

/** A JSON-pointer segment, the slash included: `pointer + pointerSegment(key)` is the child's pointer. */
export function pointerSegment(key: string): string {
  let segment = segments.get(key)
  if (segment !== undefined) return segment
  segment = '/' + escapePointer(key)
  if (key.length > SEGMENT_KEY_LENGTH) return segment
  if (segments.size >= SEGMENT_LIMIT) segments.clear()
  segments.set(key, segment)
  return segment
}

const hasOwn = Object.hasOwn

/** What changed from `before` to `after`, as JSON-pointer changes. Arrays are compared whole. */
export function diffJson(before: unknown, after: unknown, path = '', out: Change[] = []): Change[] {
  if (before === after) return out
  if (isPlainObject(before) && isPlainObject(after)) {
    // Own keys in order, as for…in with hasOwn gives them, without walking the prototype chain.
    const beforeKeys = Object.keys(before)
    let kept = 0
    for (let i = 0; i < beforeKeys.length; i++) {
      const key = beforeKeys[i]!
      if (!hasOwn(after, key)) {
        out.push({ op: 'remove', path: path + pointerSegment(key), oldValue: before[key] })
        continue
      }
      kept++
      // Untouched entries are the same value: no path to build, nothing to compare.
      const was = before[key]
      const is = after[key]
      if (was === is) continue
      // Two changed leaves (what most writes leave): the replace the recursion would give, made here.
      if (
        (was === null || typeof was !== 'object') &&
        (is === null || typeof is !== 'object') &&
        !(Number.isNaN(was) && Number.isNaN(is))
      ) {
        out.push({ op: 'replace', path: path + pointerSegment(key), value: is, oldValue: was })
        continue
      }
      diffJson(was, is, path + pointerSegment(key), out)
    }
    const afterKeys = Object.keys(after)
    // Every key of `after` is one of `before`'s kept ones: nothing was added.
    if (afterKeys.length === kept) return out
    for (let i = 0; i < afterKeys.length; i++) {
      const key = afterKeys[i]!
      if (!hasOwn(before, key))
        out.push({ op: 'add', path: path + pointerSegment(key), value: after[key] })
    }
    return out
  }
  if (!jsonEqual(before, after))
    out.push({ op: 'replace', path: path || '/', value: after, oldValue: before })
  return out
}
