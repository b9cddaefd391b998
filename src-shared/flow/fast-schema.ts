/**
 * A JSON Schema validator for the keywords flow and plugin schemas use, compiled once into
 * closures. @cfworker/json-schema (which never evals, as the renderer's CSP demands) walks the
 * schema on every call and spends most of its time building JSON pointers even when the data is
 * valid; validating a 1,000-node flow with it alone takes ~30 ms. Schemas that use any keyword
 * not handled here are left to cfworker: `compileFastSchema` returns null for them.
 *
 * Errors have cfworker's shape, so both feed the same problem reporting.
 */
import type { OutputUnit } from '@cfworker/json-schema'
import { deepEqual } from '../expr/values'
import { linearPattern } from './linear-patterns'

/**
 * A check gets the value's location as its parent's location and its own key: the JSON pointer
 * is joined only when an error is reported or a container is walked into, not for every valid
 * leaf. `key` is null for the location itself.
 */
type Check = (
  value: unknown,
  base: string,
  key: string | number | null,
  errors: OutputUnit[],
) => void

function at(base: string, key: string | number | null): string {
  return key === null ? base : `${base}/${key}`
}
type Schema = Record<string, unknown>

const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$comment',
  'title',
  'description',
  'default',
  'examples',
  'format',
  'readOnly',
  'writeOnly',
  'deprecated',
])
const HANDLED = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'enum',
  'const',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'propertyNames',
  'anyOf',
  'oneOf',
  'not',
])

class Unsupported extends Error {}

function typeOf(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number'
  return typeof value
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value)
  return actual === type || (type === 'number' && actual === 'integer')
}

function escape(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key
}

const equal = (a: unknown, b: unknown): boolean => deepEqual(a, b)

function compile(schema: unknown, path: string): Check {
  if (schema === true) return () => {}
  if (schema === false)
    return (_v, base, key, errors) =>
      void errors.push({
        instanceLocation: at(base, key),
        keyword: 'false',
        keywordLocation: path,
        error: 'False boolean schema.',
      })
  if (!schema || typeof schema !== 'object') throw new Unsupported()
  const s = schema as Schema
  for (const key of Object.keys(s))
    if (!HANDLED.has(key) && !ANNOTATIONS.has(key)) throw new Unsupported()
  const checks: Check[] = []
  const fail = (
    keyword: string,
    error: string,
    base: string,
    key: string | number | null,
    errors: OutputUnit[],
  ) =>
    void errors.push({
      instanceLocation: at(base, key),
      keyword,
      keywordLocation: `${path}/${keyword}`,
      error,
    })

  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string]
    const only = types.length === 1 ? types[0]! : null
    checks.push((v, base, key, errors) => {
      if (only !== null ? !matchesType(v, only) : !types.some((t) => matchesType(v, t))) {
        errors.push({
          instanceLocation: at(base, key),
          keyword: 'type',
          keywordLocation: `${path}/type`,
          error: `Instance type "${typeOf(v)}" is invalid. Expected "${types.join('", "')}".`,
        })
      }
    })
  }
  if (s.enum !== undefined) {
    const options = s.enum as unknown[]
    checks.push((v, base, key, errors) => {
      if (!options.some((o) => equal(o, v)))
        fail(
          'enum',
          `Instance does not match any of ${JSON.stringify(options)}.`,
          base,
          key,
          errors,
        )
    })
  }
  if (s.const !== undefined) {
    const expected = s.const
    checks.push((v, base, key, errors) => {
      if (!equal(expected, v))
        fail('const', `Instance does not match ${JSON.stringify(expected)}.`, base, key, errors)
    })
  }
  if (
    typeof s.minLength === 'number' ||
    typeof s.maxLength === 'number' ||
    typeof s.pattern === 'string'
  ) {
    const min = s.minLength as number | undefined
    const max = s.maxLength as number | undefined
    const pattern = typeof s.pattern === 'string' ? linearPattern(s.pattern) : null
    checks.push((v, base, key, errors) => {
      if (typeof v !== 'string') return
      const length = v.length
      if (min !== undefined && length < min)
        fail('minLength', `String is too short (${length} < ${min}).`, base, key, errors)
      if (max !== undefined && length > max)
        fail('maxLength', `String is too long (${length} > ${max}).`, base, key, errors)
      if (pattern && !pattern.test(v))
        fail(
          'pattern',
          `String does not match pattern "${s.pattern as string}".`,
          base,
          key,
          errors,
        )
    })
  }
  for (const [keyword, test, word] of [
    ['minimum', (v: number, n: number) => v < n, 'less than'],
    ['maximum', (v: number, n: number) => v > n, 'greater than'],
    ['exclusiveMinimum', (v: number, n: number) => v <= n, 'less than or equal to'],
    ['exclusiveMaximum', (v: number, n: number) => v >= n, 'greater than or equal to'],
  ] as const) {
    const limit = s[keyword]
    if (typeof limit !== 'number') continue
    checks.push((v, base, key, errors) => {
      if (typeof v === 'number' && test(v, limit))
        fail(keyword, `${v} is ${word} ${limit}.`, base, key, errors)
    })
  }

  const properties = s.properties as Record<string, unknown> | undefined
  const propertyChecks = properties
    ? Object.entries(properties).map(
        ([key, child]) =>
          [key, escape(key), compile(child, `${path}/properties/${escape(key)}`)] as const,
      )
    : []
  const known = new Set(properties ? Object.keys(properties) : [])
  const required = Array.isArray(s.required) ? (s.required as string[]) : []
  const additional = s.additionalProperties
  const additionalCheck =
    additional !== undefined && additional !== true && additional !== false
      ? compile(additional, `${path}/additionalProperties`)
      : null
  const propertyNames =
    s.propertyNames !== undefined ? compile(s.propertyNames, `${path}/propertyNames`) : null
  if (propertyChecks.length || required.length || additional !== undefined || propertyNames) {
    checks.push((v, base, own, errors) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return
      const location = at(base, own)
      const object = v as Record<string, unknown>
      for (const key of required) {
        if (!Object.hasOwn(object, key))
          errors.push({
            instanceLocation: location,
            keyword: 'required',
            keywordLocation: `${path}/required`,
            error: `Instance does not have required property "${key}".`,
          })
      }
      for (const [key, escaped, check] of propertyChecks) {
        if (Object.hasOwn(object, key)) check(object[key], location, escaped, errors)
      }
      if (additional === false || additionalCheck || propertyNames) {
        for (const key of Object.keys(object)) {
          if (propertyNames) {
            const before = errors.length
            propertyNames(key, location, null, errors)
            if (errors.length > before)
              errors.push({
                instanceLocation: location,
                keyword: 'propertyNames',
                keywordLocation: `${path}/propertyNames`,
                error: `Property name "${key}" does not match schema.`,
              })
          }
          if (known.has(key)) continue
          if (additional === false) {
            errors.push({
              instanceLocation: location,
              keyword: 'additionalProperties',
              keywordLocation: `${path}/additionalProperties`,
              error: `Property "${key}" does not match additional properties schema.`,
            })
          } else if (additionalCheck) {
            additionalCheck(object[key], location, escape(key), errors)
          }
        }
      }
    })
  }

  if (
    s.items !== undefined ||
    s.minItems !== undefined ||
    s.maxItems !== undefined ||
    s.uniqueItems === true
  ) {
    if (Array.isArray(s.items)) throw new Unsupported()
    const items = s.items !== undefined ? compile(s.items, `${path}/items`) : null
    const min = s.minItems as number | undefined
    const max = s.maxItems as number | undefined
    const unique = s.uniqueItems === true
    checks.push((v, base, key, errors) => {
      if (!Array.isArray(v)) return
      if (min !== undefined && v.length < min)
        fail('minItems', `Array has too few items (${v.length} < ${min}).`, base, key, errors)
      if (max !== undefined && v.length > max)
        fail('maxItems', `Array has too many items (${v.length} > ${max}).`, base, key, errors)
      if (unique && new Set(v.map((x) => JSON.stringify(x))).size !== v.length)
        fail('uniqueItems', 'Array items are not unique.', base, key, errors)
      if (items) {
        const location = at(base, key)
        for (let i = 0; i < v.length; i++) items(v[i], location, i, errors)
      }
    })
  }

  for (const keyword of ['anyOf', 'oneOf'] as const) {
    if (!Array.isArray(s[keyword])) continue
    const options = (s[keyword] as unknown[]).map((option, i) =>
      compile(option, `${path}/${keyword}/${i}`),
    )
    checks.push((v, base, key, errors) => {
      let matched = 0
      for (const option of options) {
        const scratch: OutputUnit[] = []
        option(v, base, key, scratch)
        if (scratch.length === 0) matched++
      }
      if (keyword === 'anyOf' ? matched === 0 : matched !== 1) {
        fail(
          keyword,
          keyword === 'anyOf'
            ? 'Instance does not match any subschemas.'
            : `Instance does not match exactly one subschema (${matched} matches).`,
          base,
          key,
          errors,
        )
      }
    })
  }
  if (s.not !== undefined) {
    const negated = compile(s.not, `${path}/not`)
    checks.push((v, base, key, errors) => {
      const scratch: OutputUnit[] = []
      negated(v, base, key, scratch)
      if (scratch.length === 0) fail('not', 'Instance matched "not" schema.', base, key, errors)
    })
  }

  if (checks.length === 0) return () => {}
  if (checks.length === 1) return checks[0]!
  return (v, base, key, errors) => {
    for (let i = 0; i < checks.length; i++) checks[i]!(v, base, key, errors)
  }
}

export interface FastValidator {
  validate(value: unknown): { valid: boolean; errors: OutputUnit[] }
}

/** Compiles a schema, or returns null when it uses keywords this validator does not handle. */
export function compileFastSchema(schema: unknown): FastValidator | null {
  let check: Check
  try {
    check = compile(schema, '#')
  } catch (error) {
    if (error instanceof Unsupported || error instanceof SyntaxError) return null
    throw error
  }
  return {
    validate(value) {
      const errors: OutputUnit[] = []
      check(value, '#', null, errors)
      return { valid: errors.length === 0, errors }
    },
  }
}
