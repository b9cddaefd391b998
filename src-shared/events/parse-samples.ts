/**
 * Sample events from a file's text: JSON (an array or one object), NDJSON or CSV. Malformed
 * rows are listed with their line numbers; the good rows are kept.
 */
// The browser build carries its own Buffer shim, so the same parser runs in the renderer and in Node.
import { parse } from 'csv-parse/browser/esm/sync'
import { parseJsonText } from '../json-text'
import { csvRowToEvent } from './rows'

export type SampleFormat = 'json' | 'ndjson' | 'csv'

export interface ParsedSamples {
  events: { line: number; event: Record<string, unknown> }[]
  errors: { line: number; message: string }[]
  columns?: string[]
}

export function formatOfFile(name: string): SampleFormat | null {
  const lower = name.toLowerCase()
  if (lower.endsWith('.csv')) return 'csv'
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson'
  if (lower.endsWith('.json')) return 'json'
  return null
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

export function parseSamples(text: string, format: SampleFormat): ParsedSamples {
  const result: ParsedSamples = { events: [], errors: [] }
  if (format === 'json') {
    const parsed = parseJsonText(text)
    if (!parsed.ok) {
      result.errors.push({ line: parsed.line, message: parsed.message })
      return result
    }
    const list = Array.isArray(parsed.value) ? parsed.value : [parsed.value]
    list.forEach((item, i) => {
      if (isObject(item)) result.events.push({ line: i + 1, event: item })
      else result.errors.push({ line: i + 1, message: `Item ${i + 1} is not an object` })
    })
    return result
  }
  if (format === 'ndjson') {
    text.split(/\r?\n/).forEach((raw, i) => {
      if (!raw.trim()) return
      const parsed = parseJsonText(raw)
      if (!parsed.ok)
        result.errors.push({
          line: i + 1,
          message: `Not valid JSON: ${parsed.message.replace(/ at line 1,/, ' at')}`,
        })
      else if (!isObject(parsed.value))
        result.errors.push({ line: i + 1, message: 'Not a JSON object' })
      else result.events.push({ line: i + 1, event: parsed.value })
    })
    return result
  }
  const records = parse(text, {
    columns: (header: string[]) => {
      result.columns = header
      return header
    },
    bom: true,
    skip_empty_lines: true,
    info: true,
    skip_records_with_error: true,
    on_skip: (error: { lines?: number; message: string } | undefined) => {
      if (error)
        result.errors.push({
          line: error.lines ?? 0,
          message: error.message.replace(/^Invalid Record Length: /, 'Wrong number of columns: '),
        })
    },
  }) as { record: Record<string, string>; info: { lines: number } }[]
  for (const { record, info } of records)
    result.events.push({ line: info.lines, event: csvRowToEvent(record) })
  return result
}
