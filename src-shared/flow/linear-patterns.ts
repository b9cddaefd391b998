/**
 * Regular expressions that come from flows or plugin schemas run on a linear-time engine
 * (re2js), never on the backtracking one built into JavaScript: a hostile `pattern` such as
 * `(a+)+$` would otherwise hold the thread for minutes on a short string. V8's own fallback to
 * a linear engine does not apply to the `u` patterns JSON Schema uses, so it cannot be relied on.
 *
 * @cfworker/json-schema evaluates `pattern` with `new RegExp(…, 'u')`, so schemas are rewritten
 * before it sees them: each `pattern` becomes a `format` whose checker is the linear matcher.
 * `patternProperties` cannot be rewritten that way (its keys decide which schema applies), so a
 * schema that uses it is refused; `propertyNames` with a `pattern` covers the usual need.
 */
import { format as schemaFormats } from '@cfworker/json-schema'
import type { OutputUnit } from '@cfworker/json-schema'
import { RE2JS } from 're2js'

export interface LinearPattern {
  test(text: string): boolean
}

/** A pattern the linear engine cannot run (lookaround, backreferences) or that is malformed. */
export class UnsupportedPatternError extends Error {
  constructor(
    readonly pattern: string,
    reason: string,
  ) {
    super(`The pattern "${pattern}" cannot be used: ${reason}`)
    this.name = 'UnsupportedPatternError'
  }
}

const compiled = new Map<string, LinearPattern>()
const MAX_CACHED = 1000
const MAX_REMEMBERED_TEXT = 200
const MAX_REMEMBERED_ANSWERS = 2000

/** Compiles an ECMAScript-style pattern (unanchored search, as JSON Schema means it). */
export function linearPattern(source: string): LinearPattern {
  let pattern = compiled.get(source)
  if (pattern) return pattern
  let re: RE2JS
  try {
    re = RE2JS.compile(source)
  } catch (error) {
    throw new UnsupportedPatternError(
      source,
      `${(error as Error).message} (patterns run on a linear-time engine: no lookaround or backreferences)`,
    )
  }
  // The same keys (`profile@…`, `flow@…`) are checked on every validation of a flow that is
  // being edited: short texts remember their answer. A lookup costs no more than the match.
  const answers = new Map<string, boolean>()
  pattern = {
    test(text) {
      if (text.length > MAX_REMEMBERED_TEXT) return re.matcher(text).find()
      let answer = answers.get(text)
      if (answer === undefined) {
        answer = re.matcher(text).find()
        if (answers.size >= MAX_REMEMBERED_ANSWERS) answers.clear()
        answers.set(text, answer)
      }
      return answer
    },
  }
  if (compiled.size >= MAX_CACHED) compiled.clear()
  compiled.set(source, pattern)
  return pattern
}

const FORMAT_PREFIX = 'flowbench-linear-pattern:'

function patternFormat(source: string): string {
  const name = FORMAT_PREFIX + source
  if (!(name in schemaFormats)) {
    const pattern = linearPattern(source)
    schemaFormats[name] = (text: string) => pattern.test(text)
  }
  return name
}

/** Keywords whose value is one subschema, a list of them, or a map of them. */
const ONE_SCHEMA = [
  'additionalProperties',
  'unevaluatedProperties',
  'additionalItems',
  'unevaluatedItems',
  'propertyNames',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'items',
]
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items']
const SCHEMA_MAPS = ['properties', '$defs', 'definitions', 'dependentSchemas']

const rewritten = new WeakMap<object, unknown>()

/**
 * The schema with every `pattern` moved onto the linear engine. Throws
 * UnsupportedPatternError for a pattern the engine cannot run and for `patternProperties`.
 */
export function linearSchema(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema
  const done = rewritten.get(schema)
  if (done !== undefined) return done
  const result = rewrite(schema as Record<string, unknown>, 0)
  rewritten.set(schema, result)
  return result
}

const MAX_SCHEMA_DEPTH = 64

function rewrite(schema: Record<string, unknown>, depth: number): unknown {
  if (Array.isArray(schema) || depth > MAX_SCHEMA_DEPTH) return schema
  const out: Record<string, unknown> = { ...schema }
  const sub = (value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? rewrite(value as Record<string, unknown>, depth + 1)
      : value
  for (const key of ONE_SCHEMA) if (key in out) out[key] = sub(out[key])
  for (const key of SCHEMA_LISTS)
    if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(sub)
  for (const key of SCHEMA_MAPS) {
    const map = out[key]
    if (typeof map === 'object' && map !== null && !Array.isArray(map))
      out[key] = Object.fromEntries(Object.entries(map).map(([name, s]) => [name, sub(s)]))
  }
  if ('patternProperties' in out) {
    const first = Object.keys((out.patternProperties as object | null) ?? {})[0] ?? ''
    throw new UnsupportedPatternError(
      first,
      'patternProperties is not supported (use propertyNames with a pattern)',
    )
  }
  if (typeof out.pattern === 'string') {
    const name = patternFormat(out.pattern)
    delete out.pattern
    if (out.format === undefined) out.format = name
    else out.allOf = [...((out.allOf as unknown[] | undefined) ?? []), { format: name }]
  }
  return out
}

/** Gives cfworker's errors for a rewritten `pattern` back their keyword and wording. */
export function restorePatternErrors(errors: OutputUnit[]): OutputUnit[] {
  for (const error of errors) {
    if (error.keyword !== 'format' || !error.error.includes(FORMAT_PREFIX)) continue
    const start = error.error.indexOf(FORMAT_PREFIX) + FORMAT_PREFIX.length
    const source = error.error.slice(start, error.error.lastIndexOf('"'))
    error.keyword = 'pattern'
    error.keywordLocation = error.keywordLocation.replace(/\/format$/, '/pattern')
    error.error = `String does not match pattern "${source}".`
  }
  return errors
}

/**
 * The part of RegExp that JSONata uses (`lastIndex`, `exec`), on the linear engine: a JSONata
 * expression in a flow may carry a regex literal, and it must not be able to stall the runner.
 */
export class LinearRegExp {
  lastIndex = 0
  private readonly re: RE2JS

  constructor(pattern: RegExp | string) {
    const source = typeof pattern === 'string' ? pattern : pattern.source
    const flags = typeof pattern === 'string' ? '' : pattern.flags
    let options = 0
    if (flags.includes('i')) options |= RE2JS.CASE_INSENSITIVE
    if (flags.includes('m')) options |= RE2JS.MULTILINE
    if (flags.includes('s')) options |= RE2JS.DOTALL
    try {
      this.re = RE2JS.compile(source, options)
    } catch (error) {
      throw new UnsupportedPatternError(
        source,
        `${(error as Error).message} (patterns run on a linear-time engine: no lookaround or backreferences)`,
      )
    }
  }

  exec(text: string): RegExpExecArray | null {
    const matcher = this.re.matcher(text)
    if (this.lastIndex > text.length || !matcher.find(this.lastIndex)) {
      this.lastIndex = 0
      return null
    }
    const groups: (string | undefined)[] = []
    for (let i = 0; i <= matcher.groupCount(); i++) groups.push(matcher.group(i) ?? undefined)
    const match = Object.assign(groups, { index: matcher.start(), input: text })
    this.lastIndex = matcher.end()
    return match as unknown as RegExpExecArray
  }

  test(text: string): boolean {
    return this.exec(text) !== null
  }
}
