/** Turning rows of sample data (CSV, NDJSON) into events: shared by the CLI and the test bench. */

const EVENT_FIELDS = new Set(['id', 'type', 'source', 'time', 'profileId', 'sessionId'])

/** CSV cells are text; numbers and booleans written plainly are read as such. */
export function castCell(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (trimmed === 'true') return true
  if (trimmed === 'false') return false
  if (trimmed === 'null') return null
  if (/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(trimmed)) return Number(trimmed)
  return text
}

function setDotted(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.')
  let node = target
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') return
    const next = node[key]
    if (!next || typeof next !== 'object') node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  const last = parts[parts.length - 1]!
  if (last === '__proto__' || last === 'constructor' || last === 'prototype') return
  node[last] = value
}

/**
 * Maps a CSV row to an event: the columns id, type, source, time, profileId and sessionId are
 * event fields, `context.x` columns go to the context, everything else (with or without a
 * `properties.` prefix) goes to properties.
 */
export function csvRowToEvent(row: Record<string, string>): Record<string, unknown> {
  const event: Record<string, unknown> = { properties: {}, context: {} }
  for (const [column, text] of Object.entries(row)) {
    const name = column.trim()
    if (!name) continue
    const value = EVENT_FIELDS.has(name)
      ? text.trim() === ''
        ? undefined
        : text.trim()
      : castCell(text)
    if (value === undefined) continue
    if (EVENT_FIELDS.has(name)) event[name] = value
    else if (name.startsWith('context.'))
      setDotted(event.context as Record<string, unknown>, name.slice(8), value)
    else
      setDotted(
        event.properties as Record<string, unknown>,
        name.startsWith('properties.') ? name.slice(11) : name,
        value,
      )
  }
  return event
}
