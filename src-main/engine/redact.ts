/**
 * Secret values never leave the engine (design §3): wherever one would appear in a report, a
 * trace, a log, an error or saved state, it reads `••••`. This is the one place that does it;
 * the engine calls it on what it hands out of a run that read a secret.
 */
export const MASK = '••••'

/** Values this short would mask ordinary text everywhere; they are masked only when whole. */
const MIN_SUBSTRING_LENGTH = 4
const MAX_DEPTH = 200

export class Redactor {
  private readonly needles: string[]
  private readonly whole: Set<string>

  constructor(values: Iterable<string>) {
    const needles = new Set<string>()
    this.whole = new Set()
    for (const value of values) {
      if (typeof value !== 'string' || value === '') continue
      this.whole.add(value)
      if (value.length < MIN_SUBSTRING_LENGTH) continue
      // The forms a value takes once it is put in a URL or a JSON text.
      needles.add(value)
      needles.add(encodeURIComponent(value))
      needles.add(JSON.stringify(value).slice(1, -1))
    }
    // Longest first, so a value that contains another is masked whole.
    this.needles = [...needles].sort((a, b) => b.length - a.length)
  }

  get empty(): boolean {
    return this.whole.size === 0
  }

  text(value: string): string {
    if (this.whole.has(value)) return MASK
    let out = value
    for (const needle of this.needles) if (out.includes(needle)) out = out.split(needle).join(MASK)
    return out
  }

  /** A copy of JSON-like data with every secret value masked, in keys and in strings. */
  value<T>(data: T, depth = 0): T {
    if (typeof data === 'string') return this.text(data) as T
    if (typeof data !== 'object' || data === null || depth > MAX_DEPTH) return data
    if (Array.isArray(data)) return data.map((item) => this.value(item, depth + 1)) as T
    const out: Record<string, unknown> = {}
    for (const [key, item] of Object.entries(data))
      out[this.text(key)] = this.value(item, depth + 1)
    return out as T
  }
}

/**
 * Fields of a connection secret that say where to connect, not how to get in: masking them would
 * hide "127.0.0.1", "5432" or a database's name everywhere in a run's report, query results
 * included. Every other field (password, apiKey, token, user, url, …) is masked.
 */
const ADDRESS_FIELDS = new Set(['host', 'hostname', 'port', 'database', 'db', 'tls', 'ssl', 'from'])

/** Every value of every field of every secret, but the address fields of connection secrets. */
export function secretValues(secrets: Record<string, Record<string, string>>): string[] {
  const values: string[] = []
  for (const fields of Object.values(secrets))
    for (const [field, value] of Object.entries(fields))
      if (typeof value === 'string' && !ADDRESS_FIELDS.has(field.toLowerCase())) values.push(value)
  return values
}
