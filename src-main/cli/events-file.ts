/**
 * Streams the events of an NDJSON, JSON or CSV file one at a time, so `run --events` on a
 * file of a million events holds one event in memory, not a million.
 */
import { parse as parseCsv } from 'csv-parse'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { parseJsonText } from '../../src-shared/json-text'
import { FileInputError } from '../flow-files'

export type EventItem = { index: number; line: number; event: unknown } | { index: number; line: number; error: string }

const EVENT_FIELDS = new Set(['id', 'type', 'source', 'time', 'profileId', 'sessionId'])

export function eventsFormatOf(file: string): 'ndjson' | 'json' | 'csv' {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.json') return 'json'
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson'
  throw new FileInputError(`${file}: unknown events format "${ext}"; use .ndjson, .jsonl, .json or .csv`)
}

async function* ndjsonEvents(file: string): AsyncGenerator<EventItem> {
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })
  let line = 0
  let index = 0
  for await (const text of lines) {
    line++
    if (!text.trim()) continue
    const parsed = parseJsonText(text)
    if (parsed.ok) yield { index: index++, line, event: parsed.value }
    else yield { index: index++, line, error: `line ${line}: not valid JSON (${parsed.message})` }
  }
}

async function* jsonEvents(file: string): AsyncGenerator<EventItem> {
  const parsed = parseJsonText(await readFile(file, 'utf8'))
  if (!parsed.ok) throw new FileInputError(`${file} is not valid JSON: ${parsed.message}`)
  const list = Array.isArray(parsed.value) ? parsed.value : [parsed.value]
  for (let i = 0; i < list.length; i++) yield { index: i, line: 0, event: list[i] }
}

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
    const value = EVENT_FIELDS.has(name) ? (text.trim() === '' ? undefined : text.trim()) : castCell(text)
    if (value === undefined) continue
    if (EVENT_FIELDS.has(name)) event[name] = value
    else if (name.startsWith('context.')) setDotted(event.context as Record<string, unknown>, name.slice(8), value)
    else setDotted(event.properties as Record<string, unknown>, name.startsWith('properties.') ? name.slice(11) : name, value)
  }
  return event
}

async function* csvEvents(file: string): AsyncGenerator<EventItem> {
  const parser = createReadStream(file).pipe(
    parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: false, info: true }),
  )
  let index = 0
  try {
    for await (const record of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { index: index++, line: record.info.lines, event: csvRowToEvent(record.record) }
    }
  } catch (error) {
    throw new FileInputError(`${file}: ${(error as Error).message}`)
  }
}

export function readEvents(file: string): AsyncGenerator<EventItem> {
  const format = eventsFormatOf(file)
  if (format === 'csv') return csvEvents(file)
  if (format === 'json') return jsonEvents(file)
  return ndjsonEvents(file)
}
