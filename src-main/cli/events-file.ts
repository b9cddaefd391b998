/**
 * Streams the events of an NDJSON, JSON or CSV file one at a time, so `run --events` on a
 * file of a million events holds one event in memory, not a million.
 */
import { parse as parseCsv } from 'csv-parse'
import { createReadStream } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import { MAX_JSON_DEPTH, nestingProblem } from '../../src-shared/json-depth'
import { parseJsonText } from '../../src-shared/json-text'
import { csvRowToEvent } from '../../src-shared/events/rows'
import { FileInputError } from '../flow-files'

export type EventItem =
  { index: number; line: number; event: unknown } | { index: number; line: number; error: string }

export function eventsFormatOf(file: string): 'ndjson' | 'json' | 'csv' {
  const ext = path.extname(file).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.json') return 'json'
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson'
  throw new FileInputError(
    `${file}: unknown events format "${ext}"; use .ndjson, .jsonl, .json or .csv`,
  )
}

async function* ndjsonEvents(file: string): AsyncGenerator<EventItem> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: 'utf8' }),
    crlfDelay: Infinity,
  })
  let line = 0
  let index = 0
  for await (const text of lines) {
    line++
    if (!text.trim()) continue
    // Not one failed event among others: no run could take it, so the file is refused.
    const tooDeep = nestingProblem(text)
    if (tooDeep) throw new FileInputError(`${file}: line ${line}: ${tooDeep}`)
    const parsed = parseJsonText(text)
    if (parsed.ok) yield { index: index++, line, event: parsed.value }
    else yield { index: index++, line, error: `line ${line}: not valid JSON (${parsed.message})` }
  }
}

async function* jsonEvents(file: string): AsyncGenerator<EventItem> {
  const text = await readFile(file, 'utf8')
  // The file's list adds one level to each event's own nesting.
  const tooDeep = nestingProblem(text, MAX_JSON_DEPTH + 1)
  if (tooDeep) throw new FileInputError(`${file}: ${tooDeep}`)
  const parsed = parseJsonText(text)
  if (!parsed.ok) throw new FileInputError(`${file} is not valid JSON: ${parsed.message}`)
  const list = Array.isArray(parsed.value) ? parsed.value : [parsed.value]
  for (let i = 0; i < list.length; i++) yield { index: i, line: 0, event: list[i] }
}

async function* csvEvents(file: string): AsyncGenerator<EventItem> {
  const parser = createReadStream(file).pipe(
    parseCsv({
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: false,
      info: true,
    }),
  )
  let index = 0
  try {
    for await (const record of parser as AsyncIterable<{
      record: Record<string, string>
      info: { lines: number }
    }>) {
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
