/** Value semantics shared by operators and functions: safe reads, equality, comparison. */

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key)
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Reads one own property of a plain object or array; anything else (or missing) is null. */
export function member(value: unknown, key: string | number): unknown {
  if (value === null || typeof value !== 'object') return null
  const k = typeof key === 'number' ? String(key) : key
  if (FORBIDDEN_KEYS.has(k) || !Object.hasOwn(value, k)) return null
  if (!Array.isArray(value) && !isPlainObject(value)) return null
  const v = (value as Record<string, unknown>)[k]
  return v === undefined || typeof v === 'function' ? null : v
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || a === undefined) return b === null || b === undefined
  if (typeof a !== 'object' || typeof b !== 'object' || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const ak = Object.keys(a)
  const bk = Object.keys(b)
  if (ak.length !== bk.length) return false
  for (const k of ak) {
    if (!Object.hasOwn(b, k) || !deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

const NUMERIC = /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/

/** Orders two values: numbers with numbers, strings with strings, numeric strings with numbers. */
export function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'number' && typeof b === 'string' && NUMERIC.test(b)) return a - Number(b)
  if (typeof a === 'string' && typeof b === 'number' && NUMERIC.test(a)) return Number(a) - b
  return null
}

export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value)
  if (typeof value === 'boolean') return value ? 1 : 0
  return null
}

export function toText(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

export function finite(n: number): number | null {
  return Number.isFinite(n) ? n : null
}
