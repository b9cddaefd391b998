/** The curated functions expressions may call. Each takes and returns plain data only. */
import { deepEqual, isPlainObject, toNumber, toText } from './values'

type Fn = (...args: unknown[]) => unknown

export interface FunctionInfo {
  signature: string
  description: string
}

function contains(haystack: unknown, needle: unknown): boolean {
  if (typeof haystack === 'string') return typeof needle === 'string' ? haystack.includes(needle) : haystack.includes(toText(needle))
  if (Array.isArray(haystack)) return haystack.some((item) => deepEqual(item, needle))
  if (isPlainObject(haystack)) return typeof needle === 'string' && Object.hasOwn(haystack, needle)
  return false
}

function numbers(args: unknown[]): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args
  return list.map(toNumber).filter((n): n is number => n !== null)
}

function roundTo(value: unknown, digits: unknown, mode: (n: number) => number): number | null {
  const n = toNumber(value)
  if (n === null) return null
  const d = toNumber(digits) ?? 0
  const factor = 10 ** Math.max(0, Math.min(12, Math.trunc(d)))
  return mode(n * factor) / factor
}

export const FUNCTIONS: Record<string, Fn> = {
  len: (x) => (typeof x === 'string' || Array.isArray(x) ? x.length : isPlainObject(x) ? Object.keys(x).length : 0),
  lower: (x) => (typeof x === 'string' ? x.toLowerCase() : null),
  upper: (x) => (typeof x === 'string' ? x.toUpperCase() : null),
  trim: (x) => (typeof x === 'string' ? x.trim() : null),
  contains,
  includes: contains,
  startsWith: (s, p) => typeof s === 'string' && typeof p === 'string' && s.startsWith(p),
  endsWith: (s, p) => typeof s === 'string' && typeof p === 'string' && s.endsWith(p),
  exists: (x) => x !== null && x !== undefined,
  round: (x, digits) => roundTo(x, digits, Math.round),
  floor: (x) => roundTo(x, 0, Math.floor),
  ceil: (x) => roundTo(x, 0, Math.ceil),
  abs: (x) => {
    const n = toNumber(x)
    return n === null ? null : Math.abs(n)
  },
  min: (...args) => {
    const list = numbers(args)
    return list.length ? Math.min(...list) : null
  },
  max: (...args) => {
    const list = numbers(args)
    return list.length ? Math.max(...list) : null
  },
  sum: (...args) => numbers(args).reduce((a, b) => a + b, 0),
  now: () => Date.now(),
  number: (x) => toNumber(x),
  string: (x) => toText(x),
  keys: (x) => (isPlainObject(x) ? Object.keys(x) : []),
  values: (x) => (isPlainObject(x) ? Object.values(x) : []),
  join: (list, sep) => (Array.isArray(list) ? list.map(toText).join(typeof sep === 'string' ? sep : ',') : null),
  split: (s, sep) => (typeof s === 'string' ? s.split(typeof sep === 'string' ? sep : ',') : null),
  coalesce: (...args) => args.find((x) => x !== null && x !== undefined) ?? null,
  default: (x, fallback) => (x === null || x === undefined ? fallback : x),
  date: (x) => {
    if (typeof x === 'number') return x
    if (typeof x !== 'string') return null
    const ms = Date.parse(x)
    return Number.isNaN(ms) ? null : ms
  },
  iso: (x) => {
    const n = toNumber(x)
    if (n === null) return null
    const d = new Date(n)
    return Number.isNaN(d.getTime()) ? null : d.toISOString()
  },
}

export const EXPRESSION_FUNCTIONS: Record<string, FunctionInfo> = {
  len: { signature: 'len(x)', description: 'Length of a text or list, number of keys of an object; 0 for null' },
  lower: { signature: 'lower(text)', description: 'Text in lower case' },
  upper: { signature: 'upper(text)', description: 'Text in upper case' },
  trim: { signature: 'trim(text)', description: 'Text without surrounding spaces' },
  contains: { signature: 'contains(textOrList, value)', description: 'Whether a text contains a text, a list an element, an object a key' },
  includes: { signature: 'includes(textOrList, value)', description: 'Same as contains' },
  startsWith: { signature: 'startsWith(text, prefix)', description: 'Whether a text starts with a prefix' },
  endsWith: { signature: 'endsWith(text, suffix)', description: 'Whether a text ends with a suffix' },
  exists: { signature: 'exists(x)', description: 'Whether a value is present (not null)' },
  round: { signature: 'round(n, digits?)', description: 'Rounds to a number of decimals (default 0)' },
  floor: { signature: 'floor(n)', description: 'Rounds down' },
  ceil: { signature: 'ceil(n)', description: 'Rounds up' },
  abs: { signature: 'abs(n)', description: 'Absolute value' },
  min: { signature: 'min(a, b, …) or min(list)', description: 'Smallest number' },
  max: { signature: 'max(a, b, …) or max(list)', description: 'Largest number' },
  sum: { signature: 'sum(a, b, …) or sum(list)', description: 'Sum of numbers' },
  now: { signature: 'now()', description: 'The current time in epoch milliseconds' },
  number: { signature: 'number(x)', description: 'A number from a number, numeric text or boolean; else null' },
  string: { signature: 'string(x)', description: 'Text of a value (JSON for lists and objects)' },
  keys: { signature: 'keys(object)', description: 'The keys of an object' },
  values: { signature: 'values(object)', description: 'The values of an object' },
  join: { signature: 'join(list, separator?)', description: 'Joins a list into text' },
  split: { signature: 'split(text, separator?)', description: 'Splits text into a list' },
  coalesce: { signature: 'coalesce(a, b, …)', description: 'The first value that is not null' },
  default: { signature: 'default(x, fallback)', description: 'x, or fallback when x is null' },
  date: { signature: 'date(isoText)', description: 'Epoch milliseconds of an ISO date' },
  iso: { signature: 'iso(ms)', description: 'ISO text of epoch milliseconds' },
}
