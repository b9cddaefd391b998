/**
 * The curated functions expressions may call, by bare name only. Each takes plain data and
 * returns plain data (or null): no function, prototype or host object ever comes out.
 */
import { contains, data, isForbiddenKey, isPlainObject, toNumber, toText } from './values'

type Fn = (...args: unknown[]) => unknown

export interface FunctionDef {
  readonly signature: string
  readonly description: string
  readonly minArgs: number
  readonly maxArgs: number
  /** Same arguments, same result: calls with constant arguments are folded at compile time. */
  readonly pure: boolean
  readonly fn: Fn
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

/** Numbers from arguments, or from a single list argument; what is not a number is skipped. */
function numbers(args: unknown[]): number[] {
  const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args
  const out: number[] = []
  for (const item of list) {
    const n = toNumber(item)
    if (n !== null) out.push(n)
  }
  return out
}

/** Half away from zero, on the decimal digits people see (so 1.005 rounds to 1.01). */
function round(value: unknown, digits: unknown): number | null {
  const n = toNumber(value)
  if (n === null) return null
  const d = Math.max(-15, Math.min(15, Math.trunc(toNumber(digits) ?? 0)))
  const abs = Math.abs(n)
  const shown = String(abs)
  const rounded = shown.includes('e')
    ? Math.round(abs * 10 ** d) / 10 ** d
    : Number(`${Math.round(Number(`${shown}e${d}`))}e${-d}`)
  const result = Math.sign(n) * rounded
  return Number.isFinite(result) ? result + 0 : null
}

function integer(value: unknown): number | null {
  const n = toNumber(value)
  return n === null ? null : Math.trunc(n)
}

function toDate(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value !== 'string') return null
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? null : ms
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'list'
  return typeof value === 'object' ? 'object' : typeof value
}

function def(
  signature: string,
  description: string,
  arity: [min: number, max: number],
  fn: Fn,
  pure = true,
): FunctionDef {
  return { signature, description, minArgs: arity[0], maxArgs: arity[1], pure, fn }
}

const ANY = Number.POSITIVE_INFINITY

export const FUNCTIONS: Readonly<Record<string, FunctionDef>> = Object.freeze({
  len: def(
    'len(value)',
    'Length of a text or list, number of keys of an object; 0 for anything else',
    [1, 1],
    (x) => {
      if (typeof x === 'string' || Array.isArray(x)) return x.length
      return isPlainObject(x) ? Object.keys(x).length : 0
    },
  ),
  lower: def('lower(text)', 'The text in lower case (null if not a text)', [1, 1], (x) =>
    typeof x === 'string' ? x.toLowerCase() : null,
  ),
  upper: def('upper(text)', 'The text in upper case (null if not a text)', [1, 1], (x) =>
    typeof x === 'string' ? x.toUpperCase() : null,
  ),
  trim: def('trim(text)', 'The text without surrounding whitespace', [1, 1], (x) =>
    typeof x === 'string' ? x.trim() : null,
  ),
  contains: def(
    'contains(haystack, needle)',
    'Whether a list has the element, a text the substring, an object the key (same as `needle in haystack`)',
    [2, 2],
    (haystack, needle) => contains(haystack, needle),
  ),
  startsWith: def(
    'startsWith(text, prefix)',
    'Whether the text starts with the prefix',
    [2, 2],
    (s, p) => typeof s === 'string' && typeof p === 'string' && s.startsWith(p),
  ),
  endsWith: def(
    'endsWith(text, suffix)',
    'Whether the text ends with the suffix',
    [2, 2],
    (s, p) => typeof s === 'string' && typeof p === 'string' && s.endsWith(p),
  ),
  exists: def(
    'exists(value)',
    'Whether the value is present (not null; a missing path reads as null)',
    [1, 1],
    (x) => x !== null && x !== undefined,
  ),
  round: def(
    'round(number, digits?)',
    'Rounds half away from zero to the given decimals (default 0)',
    [1, 2],
    round,
  ),
  floor: def('floor(number)', 'Rounds down to an integer', [1, 1], (x) => {
    const n = toNumber(x)
    return n === null ? null : Math.floor(n)
  }),
  ceil: def('ceil(number)', 'Rounds up to an integer', [1, 1], (x) => {
    const n = toNumber(x)
    return n === null ? null : Math.ceil(n)
  }),
  abs: def('abs(number)', 'The absolute value', [1, 1], (x) => {
    const n = toNumber(x)
    return n === null ? null : Math.abs(n)
  }),
  min: def(
    'min(a, b, …) or min(list)',
    'The smallest number (null when there is none)',
    [1, ANY],
    (...args) => {
      // A loop, not Math.min(...list): spreading a long list overflows the stack.
      let best: number | null = null
      for (const n of numbers(args)) if (best === null || n < best) best = n
      return best
    },
  ),
  max: def(
    'max(a, b, …) or max(list)',
    'The largest number (null when there is none)',
    [1, ANY],
    (...args) => {
      let best: number | null = null
      for (const n of numbers(args)) if (best === null || n > best) best = n
      return best
    },
  ),
  sum: def('sum(a, b, …) or sum(list)', 'The sum of the numbers', [1, ANY], (...args) => {
    let total = 0
    for (const n of numbers(args)) total += n
    return Number.isFinite(total) ? total : null
  }),
  now: def('now()', 'The current time in epoch milliseconds', [0, 0], () => Date.now(), false),
  number: def(
    'number(value)',
    'A number from a number, numeric text or boolean; null otherwise',
    [1, 1],
    (x) => toNumber(x),
  ),
  string: def(
    'string(value)',
    'The value as text: null is empty, lists and objects are JSON',
    [1, 1],
    (x) => toText(x),
  ),
  type: def(
    'type(value)',
    'The kind of value: "null", "boolean", "number", "string", "list" or "object"',
    [1, 1],
    typeName,
  ),
  keys: def('keys(object)', 'The keys of an object (an empty list otherwise)', [1, 1], (x) =>
    isPlainObject(x) ? Object.keys(x).filter((k) => !isForbiddenKey(k)) : [],
  ),
  values: def(
    'values(object)',
    'The values of an object (an empty list otherwise)',
    [1, 1],
    (x) => {
      if (Array.isArray(x)) return x.map(data)
      if (!isPlainObject(x)) return []
      return Object.keys(x)
        .filter((k) => !isForbiddenKey(k))
        .map((k) => data(x[k]))
    },
  ),
  join: def(
    'join(list, separator?)',
    'The items of a list as one text (separator defaults to ",")',
    [1, 2],
    (list, sep) =>
      Array.isArray(list) ? list.map(toText).join(typeof sep === 'string' ? sep : ',') : null,
  ),
  split: def(
    'split(text, separator?)',
    'A text cut into a list at each separator (default ",")',
    [1, 2],
    (s, sep) => (typeof s === 'string' ? s.split(typeof sep === 'string' ? sep : ',') : null),
  ),
  replace: def(
    'replace(text, search, replacement)',
    'The text with every occurrence of search replaced (plain text, not a pattern)',
    [3, 3],
    (s, search, replacement) => {
      const source = text(s)
      if (source === null || typeof search !== 'string' || search === '') return source
      const by = toText(replacement)
      return source.split(search).join(by)
    },
  ),
  slice: def(
    'slice(textOrList, start, end?)',
    'Part of a text or list, from start up to (not including) end; negative counts from the end',
    [2, 3],
    (x, start, end) => {
      if (typeof x !== 'string' && !Array.isArray(x)) return null
      const from = integer(start) ?? 0
      const to = integer(end) ?? undefined
      return Array.isArray(x) ? x.slice(from, to).map(data) : x.slice(from, to)
    },
  ),
  coalesce: def(
    'coalesce(a, b, …)',
    'The first value that is not null',
    [1, ANY],
    (...args) => args.find((x) => x !== null && x !== undefined) ?? null,
  ),
  default: def(
    'default(value, fallback)',
    'The value, or the fallback when it is null',
    [2, 2],
    (x, y) => (x === null || x === undefined ? y : x),
  ),
  date: def(
    'date(text)',
    'Epoch milliseconds of an ISO date text (numbers pass through); null if invalid',
    [1, 1],
    toDate,
  ),
  iso: def(
    'iso(milliseconds)',
    'The ISO 8601 text (UTC) of epoch milliseconds; null if invalid',
    [1, 1],
    (x) => {
      const ms = typeof x === 'string' ? toDate(x) : toNumber(x)
      if (ms === null || Math.abs(ms) > 8.64e15) return null
      return new Date(ms).toISOString()
    },
  ),
})

/** Names, signatures and descriptions, for editor completion and docs. */
export const EXPRESSION_FUNCTIONS: Record<string, { signature: string; description: string }> =
  Object.fromEntries(
    Object.entries(FUNCTIONS).map(([name, f]) => [
      name,
      { signature: f.signature, description: f.description },
    ]),
  )

export function functionNamed(name: string): FunctionDef | null {
  return Object.hasOwn(FUNCTIONS, name) ? FUNCTIONS[name]! : null
}
