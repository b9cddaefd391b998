/**
 * Flows as the serve API shows them: everything but credentials. A flow's node configs hold
 * hook tokens, `Authorization` headers and API keys typed in by hand; `GET /api/flows/:id` is
 * for looking at a served flow, never for reading those back (design §3: a secret reads `••••`
 * wherever it would appear in an API answer).
 */
export const MASK = '••••'

/** Names under which a value is a credential: `token`, `apiKey`, `X-Api-Key`, `Cookie`, … */
const CREDENTIAL_NAME =
  /authori[sz]ation|token|key|secret|passw|pwd|cookie|credential|signature|private|^auth$|^x-auth/i
/** Values that are credentials whatever their name: `Bearer …`, `Basic …`. */
const CREDENTIAL_VALUE = /^\s*(bearer|basic|token|digest)\s+\S/i
// Deeper than any flow file the CLI or import accepts; a guard, not a limit users meet.
const MAX_DEPTH = 256

function redactValue(value: unknown, sensitive: boolean, depth: number): unknown {
  if (typeof value === 'string') return sensitive || CREDENTIAL_VALUE.test(value) ? MASK : value
  if (typeof value === 'number') return sensitive ? MASK : value
  if (!value || typeof value !== 'object') return value
  if (depth > MAX_DEPTH) return MASK
  if (Array.isArray(value)) return value.map((item) => redactValue(item, sensitive, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) {
    out[key] = redactValue(item, sensitive || CREDENTIAL_NAME.test(key), depth + 1)
  }
  return out
}

/** A deep copy of `value` in which every credential-looking value reads `••••`. */
export function redactCredentials<T>(value: T): T {
  return redactValue(value, false, 0) as T
}
