/**
 * `source@path` references (Tracardi's dot notation): `profile@traits.email`,
 * `event@properties.total`, `payload@items.0`; `payload@` and `payload@...` are the whole payload.
 */
import type { StateName } from './scope'
import { isContainer, isForbiddenKey, member } from './values'

/** `secret@crm.apiKey` reads `secrets.crm.apiKey`; `vars@apiBase` reads `vars.apiBase`. */
export type RefSource = StateName | 'secret' | 'vars'

/** The sources a flow may read but never write. */
export const READ_ONLY_SOURCES: ReadonlySet<RefSource> = new Set(['nodes', 'secret', 'vars'])

export interface Ref {
  source: RefSource
  path: string[]
}

/**
 * A slot on every reference parseRef hands out, for what a consumer derives from it once (the
 * engine keeps its compiled path accessors there): a property read, where a table keyed by the
 * reference costs a hash lookup on every use. Not enumerable, so a reference still compares,
 * copies and serialises as `{ source, path }`.
 */
export const REF_MEMO: unique symbol = Symbol('ref memo')

export interface RefMemo {
  read: ((root: unknown) => unknown) | null
  write: ((root: unknown, value: unknown) => boolean) | null
}

// Whitespace anywhere means it is not a reference; an unknown source (`ann@example.com`) neither.
const REF_PATTERN = /^(event|profile|session|flow|nodes|node|payload|secret|vars)@(\S*)$/
const INDEX = /^(0|[1-9]\d*)$/

/**
 * Each source as the one string the code compares it with: what a regex match gives is a fresh
 * string, and comparing one with `'profile'` compares characters; the same string compares by
 * identity.
 */
const SOURCE_NAMES: readonly RefSource[] = [
  'event',
  'profile',
  'session',
  'flow',
  'nodes',
  'node',
  'payload',
  'secret',
  'vars',
]

/**
 * A path segment as the engine's string table holds it (what a property key becomes): looking a
 * property up by a fresh string from split() first finds that string in the table, on every
 * lookup; by this one, at once.
 */
function interned(segment: string): string {
  return Object.keys({ [segment]: true })[0] ?? segment
}

const cache = new Map<string, Ref | null>()
const CACHE_LIMIT = 5000

/**
 * Parses a reference, or returns null for any other text. Cached, because the same few
 * references are resolved on every run; the result is frozen, so treat it as read-only.
 */
export function parseRef(text: string): Ref | null {
  if (typeof text !== 'string') return null
  let ref = cache.get(text)
  if (ref === undefined) {
    ref = parseUncached(text)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(text, ref)
  }
  return ref
}

function parseUncached(text: string): Ref | null {
  const match = text.includes('@') ? REF_PATTERN.exec(text) : null
  if (!match) return null
  const source = SOURCE_NAMES.find((name) => name === match[1])!
  const rest = match[2]!
  const path = rest === '' || rest === '...' ? [] : rest.split('.').map(interned)
  if (path.some((segment) => segment === '')) return null
  // Frozen: the cached ref is shared by every caller (its memo is the consumers' own).
  const ref = { source, path: Object.freeze(path) as string[] }
  const memo: RefMemo = { read: null, write: null }
  Object.defineProperty(ref, REF_MEMO, { value: memo, enumerable: false })
  return Object.freeze(ref)
}

export function isRef(value: unknown): value is string {
  return typeof value === 'string' && parseRef(value) !== null
}

export function formatRef(ref: Ref): string {
  return `${ref.source}@${ref.path.join('.')}`
}

/** The value at a path: own properties of plain objects and arrays only; missing is null. */
export function readPath(root: unknown, path: readonly string[]): unknown {
  let value = path.length === 0 && typeof root === 'function' ? null : root
  for (let i = 0; i < path.length && value !== null; i++) value = member(value, path[i])
  return value === undefined ? null : value
}

function describe(path: readonly string[], upTo: number): string {
  return upTo === 0 ? 'the root' : `"${path.slice(0, upTo).join('.')}"`
}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object that is not plain data' : `a ${typeof value}`
}

/**
 * Writes a value, creating missing plain objects on the way (lists when the next segment is
 * an index). Every segment is checked before anything changes, so a refused write leaves the
 * data untouched.
 */
export function writePath(
  root: Record<string, unknown>,
  path: readonly string[],
  value: unknown,
): void {
  if (path.length === 0) throw new Error('Cannot write to an empty path')
  for (const segment of path) {
    if (typeof segment !== 'string' || segment === '') {
      throw new Error(`Cannot write to "${path.join('.')}": empty path segment`)
    }
    if (isForbiddenKey(segment)) {
      throw new Error(`Cannot write to "${path.join('.')}": "${segment}" is not allowed in a path`)
    }
  }
  if (!isContainer(root)) throw new Error(`Cannot write into ${typeOf(root)}`)
  let current: Record<string, unknown> | unknown[] = root
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!
    if (Array.isArray(current) && !INDEX.test(key)) {
      throw new Error(`${describe(path, i)} is a list, so "${key}" cannot be set in it`)
    }
    const target = current as Record<string, unknown>
    if (i === path.length - 1) {
      target[key] = value
      return
    }
    let next = Object.hasOwn(target, key) ? target[key] : undefined
    if (next === undefined || next === null) {
      next = INDEX.test(path[i + 1]!) ? [] : {}
      target[key] = next
    } else if (!isContainer(next)) {
      throw new Error(
        `${describe(path, i + 1)} holds ${typeOf(next)}, so "${path[i + 1]}" cannot be set inside it`,
      )
    }
    current = next as Record<string, unknown> | unknown[]
  }
}

/** Removes the value at a path (from a list: splices it out). True when something was removed. */
export function deletePath(root: unknown, path: readonly string[]): boolean {
  if (path.length === 0) return false
  const parent = readPath(root, path.slice(0, -1))
  const key = path[path.length - 1]!
  if (!isContainer(parent) || isForbiddenKey(key) || !Object.hasOwn(parent, key)) return false
  if (Array.isArray(parent)) {
    if (!INDEX.test(key)) return false
    parent.splice(Number(key), 1)
    return true
  }
  delete parent[key]
  return true
}
