/**
 * `source@path` references (Tracardi's dot notation): `profile@traits.email`,
 * `event@properties.total`, `payload@items.0`; `payload@` and `payload@...` are the whole payload.
 */
import { STATE_NAMES } from './compile'
import type { StateName } from './compile'
import { isForbiddenKey, isPlainObject } from './values'

export type RefSource = StateName

export interface Ref {
  source: RefSource
  path: string[]
}

const REF_PATTERN = /^(event|profile|session|flow|node|nodes|payload)@([^\s]*)$/

const parsed = new Map<string, Ref | null>()

/** Parses a reference (cached: the same few references are read on every run). Treat the result as read-only. */
export function parseRef(text: string): Ref | null {
  if (typeof text !== 'string') return null
  let ref = parsed.get(text)
  if (ref === undefined) {
    ref = parseRefText(text)
    if (parsed.size > 5000) parsed.clear()
    parsed.set(text, ref)
  }
  return ref
}

function parseRefText(text: string): Ref | null {
  if (text.indexOf('@') < 0) return null
  const match = REF_PATTERN.exec(text)
  if (!match) return null
  const source = match[1] as RefSource
  const rest = match[2]!
  if (rest === '' || rest === '...') return { source, path: [] }
  const path = rest.split('.')
  if (path.some((segment) => segment === '')) return null
  return { source, path }
}

export function isRef(value: unknown): value is string {
  return typeof value === 'string' && parseRef(value) !== null
}

export function formatRef(ref: Ref): string {
  return `${ref.source}@${ref.path.join('.')}`
}

export { STATE_NAMES }

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return Array.isArray(value) || isPlainObject(value)
}

export function readPath(root: unknown, path: readonly string[]): unknown {
  let current = root
  for (const key of path) {
    if (!isContainer(current) || isForbiddenKey(key) || !Object.hasOwn(current, key)) return null
    current = (current as Record<string, unknown>)[key]
  }
  return current === undefined ? null : current
}

function checkKey(key: string): void {
  if (isForbiddenKey(key)) throw new Error(`"${key}" cannot be used in a path`)
}

export function writePath(root: Record<string, unknown>, path: readonly string[], value: unknown): void {
  if (path.length === 0) throw new Error('Cannot write to an empty path')
  let current: Record<string, unknown> | unknown[] = root
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!
    checkKey(key)
    let next = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined
    if (next === undefined || next === null) {
      next = /^\d+$/.test(path[i + 1]!) ? [] : {}
      ;(current as Record<string, unknown>)[key] = next
    } else if (!isContainer(next)) {
      throw new Error(`"${path.slice(0, i + 1).join('.')}" holds ${typeof next}, so "${path[i + 1]}" cannot be set inside it`)
    }
    current = next as Record<string, unknown> | unknown[]
  }
  const last = path[path.length - 1]!
  checkKey(last)
  if (Array.isArray(current) && !/^\d+$/.test(last)) throw new Error(`"${last}" is not an index of the list at "${path.slice(0, -1).join('.')}"`)
  ;(current as Record<string, unknown>)[last] = value
}

export function deletePath(root: unknown, path: readonly string[]): boolean {
  if (path.length === 0) return false
  const parent = readPath(root, path.slice(0, -1))
  const last = path[path.length - 1]!
  if (!isContainer(parent) || isForbiddenKey(last) || !Object.hasOwn(parent, last)) return false
  if (Array.isArray(parent)) {
    if (!/^\d+$/.test(last)) return false
    parent.splice(Number(last), 1)
  } else {
    delete parent[last]
  }
  return true
}
