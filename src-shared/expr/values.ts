/**
 * Value semantics shared by operators, functions, templates and references. Everything here
 * works on JSON-like data and hands out only data: never a function, never a prototype.
 */

/** Keys that lead to prototypes or constructors: never read, written or deleted. */
export function isForbiddenKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype'
}

const ObjectProto = Object.prototype
const getProto = Object.getPrototypeOf
const hasOwn = Object.hasOwn
const isArray = Array.isArray

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || isArray(value)) return false
  const proto: unknown = getProto(value)
  return proto === ObjectProto || proto === null
}

/** Arrays and plain objects: the only things paths walk into. */
export function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null) return false
  const proto: unknown = getProto(value)
  return proto === ObjectProto || proto === null || isArray(value)
}

/**
 * One step of a path whose key is known to be allowed (checked when compiling): an own
 * property of a plain object or array, or null. The hot path of every expression.
 */
export function step(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || !hasOwn(value, key)) return null
  // Reading `constructor` hits an inline cache; getPrototypeOf is the slow, exact fallback
  // (null-prototype objects, data with its own "constructor" key).
  const ctor = (value as { constructor?: unknown }).constructor
  if (ctor !== Object && ctor !== Array) {
    const proto: unknown = getProto(value)
    if (proto !== ObjectProto && proto !== null && !isArray(value)) return null
  }
  const next = (value as Record<string, unknown>)[key]
  return next === undefined || typeof next === 'function' ? null : next
}

/** One step with a key only known at run time: a string or an array index, never a forbidden key. */
export function member(value: unknown, key: unknown): unknown {
  if (typeof key === 'string') return isForbiddenKey(key) ? null : step(value, key)
  if (typeof key === 'number' && Number.isInteger(key) && key >= 0) return step(value, String(key))
  return null
}

/** Removes what must not leave the sandbox (functions) and normalises undefined to null. */
export function data(value: unknown): unknown {
  return value === undefined || typeof value === 'function' ? null : value
}

const MAX_DEPTH = 200

/**
 * Structural equality of JSON values, the one comparison the expression language, the engine,
 * the test bench and the plugins share: arrays item by item, plain objects key by key in any
 * order, NaN equal to itself. `==` in expressions (and every plugin that compares as it does)
 * takes a missing value to equal null; `jsonEqual` is the strict form for stored state, where a
 * key set to null and a key that is missing are different documents.
 */
export function deepEqual(a: unknown, b: unknown): boolean {
  return equal(a, b, true, 0)
}

/** deepEqual without `null == undefined`: for diffs of stored state and for expectations. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return equal(a, b, false, 0)
}

function equal(a: unknown, b: unknown, nullish: boolean, depth: number): boolean {
  if (a === b) return true
  if (a === null || a === undefined || b === null || b === undefined)
    return nullish && (a === null || a === undefined) && (b === null || b === undefined)
  if (typeof a !== 'object' || typeof b !== 'object') return Number.isNaN(a) && Number.isNaN(b)
  if (depth > MAX_DEPTH) return false
  if (isArray(a)) {
    if (!isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!equal(a[i], b[i], nullish, depth + 1)) return false
    return true
  }
  if (isArray(b) || !isPlainObject(a) || !isPlainObject(b)) return false
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  for (const key of keys) {
    if (!hasOwn(b, key) || !equal(a[key], b[key], nullish, depth + 1)) return false
  }
  return true
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

/**
 * Decimal numeric text as `Number()` reads it: a sign, digits with an optional point, an
 * optional exponent, white space around. Scanned by hand in one pass: the regular expression
 * this replaces backtracked quadratically on long digit runs (an 80 KB field froze a server).
 */
export function isNumericString(value: string): boolean {
  const text = value.trim()
  const end = text.length
  let i = 0
  let code = text.charCodeAt(i)
  if (code === 43 || code === 45) code = text.charCodeAt(++i)
  const integerStart = i
  while (isDigit(code)) code = text.charCodeAt(++i)
  let digits = i - integerStart
  if (code === 46) {
    const fractionStart = ++i
    code = text.charCodeAt(i)
    while (isDigit(code)) code = text.charCodeAt(++i)
    digits += i - fractionStart
  }
  if (digits === 0) return false
  if (code === 101 || code === 69) {
    code = text.charCodeAt(++i)
    if (code === 43 || code === 45) code = text.charCodeAt(++i)
    const exponentStart = i
    while (isDigit(code)) code = text.charCodeAt(++i)
    if (i === exponentStart) return false
  }
  return i === end
}

/**
 * Orders two values: numbers with numbers, strings with strings, a number with a numeric
 * string numerically. Anything else is unordered (null), so every comparison is false.
 */
export function compare(a: unknown, b: unknown): number | null {
  if (typeof a === 'number') {
    if (typeof b === 'number') return a - b
    if (typeof b === 'string' && isNumericString(b)) return a - Number(b)
    return null
  }
  if (typeof a === 'string') {
    if (typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
    if (typeof b === 'number' && isNumericString(a)) return Number(a) - b
  }
  return null
}

/** A finite number from a number, numeric text or boolean; null otherwise. */
export function toNumber(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'string') return isNumericString(value) ? Number(value) : null
  if (typeof value === 'boolean') return value ? 1 : 0
  return null
}

/** Infinity and NaN are not JSON: arithmetic that overflows or is undefined gives null. */
export function finite(n: number): number | null {
  return n - n === 0 ? n : null
}

/**
 * Fractions written as text lately: turning a double into its shortest text costs ten times a
 * lookup, and templates render the same few amounts (prices, discounts) again and again.
 */
const fractionTexts = new Map<number, string>()
const FRACTION_TEXTS_LIMIT = 1000

function numberText(value: number): string {
  // Whole numbers convert fast (and are cached by the engine); only fractions are kept here.
  if (Number.isInteger(value)) return String(value)
  let text = fractionTexts.get(value)
  if (text === undefined) {
    text = String(value)
    if (fractionTexts.size >= FRACTION_TEXTS_LIMIT) fractionTexts.clear()
    fractionTexts.set(value, text)
  }
  return text
}

/** How a value reads inside text: null is empty, lists and objects are JSON. */
export function toText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return numberText(value)
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value)
  if (typeof value !== 'object') return ''
  try {
    return JSON.stringify(value) ?? ''
  } catch {
    // A cycle or a BigInt inside: text cannot show it, and rendering must not throw.
    return ''
  }
}

/** `needle in haystack`: an element of a list, a substring of a text, an own key of an object. */
export function contains(haystack: unknown, needle: unknown): boolean {
  if (isArray(haystack)) {
    if (typeof needle !== 'object' || needle === null) {
      const n = needle === undefined ? null : needle
      for (let i = 0; i < haystack.length; i++) {
        const item: unknown = haystack[i]
        if (item === n || (n === null && item === undefined)) return true
      }
      return false
    }
    for (let i = 0; i < haystack.length; i++) if (deepEqual(haystack[i], needle)) return true
    return false
  }
  if (typeof haystack === 'string') {
    if (typeof needle === 'string') return haystack.includes(needle)
    if (typeof needle === 'number' || typeof needle === 'boolean') {
      return haystack.includes(String(needle))
    }
    return false
  }
  if (isPlainObject(haystack)) {
    const key = typeof needle === 'number' ? String(needle) : needle
    return typeof key === 'string' && !isForbiddenKey(key) && hasOwn(haystack, key)
  }
  return false
}

export function truthy(value: unknown): boolean {
  return !!value
}
