/**
 * Request bodies. Every server here keeps the raw bytes (a signed webhook's signature is over
 * exactly those) and decodes them in the route: JSON only within the nesting limit, forms as
 * Slack and Twilio post them.
 */
import { nestingProblem } from '../../src-shared/json-depth'
import { HttpProblem } from './problem'

/** JSON text as a value; an empty body is `empty`. Too deep or malformed is the client's 400. */
export function decodeJson(raw: Buffer | undefined, empty: unknown = {}): unknown {
  if (!raw || raw.length === 0) return empty
  const text = raw.toString('utf8')
  const tooDeep = nestingProblem(text)
  if (tooDeep) throw new HttpProblem(400, 'too-deep', `The body is refused: ${tooDeep}`)
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new HttpProblem(
      400,
      'malformed-json',
      `The body is not valid JSON: ${(error as Error).message}`,
    )
  }
}

export function isForm(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  return type === 'application/x-www-form-urlencoded'
}

/**
 * A form body's fields, a repeated one as a list. Built with fromEntries so a field named
 * `__proto__` is a field like any other.
 */
export function formFields(body: Buffer): Record<string, unknown> {
  const fields = new Map<string, string | string[]>()
  for (const [key, value] of new URLSearchParams(body.toString('utf8'))) {
    const earlier = fields.get(key)
    fields.set(
      key,
      earlier === undefined ? value : [...(Array.isArray(earlier) ? earlier : [earlier]), value],
    )
  }
  return Object.fromEntries(fields)
}
