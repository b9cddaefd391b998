/** Reading flows and JSON documents from disk, with errors that say which file and where. */
import { readdir, readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import type { Flow } from '../src-shared/flow/types'
import { nestingProblem } from '../src-shared/json-depth'
import { parseJsonText } from '../src-shared/json-text'

export class FileInputError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FileInputError'
  }
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new FileInputError(`${file}: no such file`)
    if (code === 'EISDIR') throw new FileInputError(`${file}: is a directory, not a file`)
    throw new FileInputError(`${file}: cannot read (${(error as Error).message})`)
  }
}

export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readText(file)
  // Parsing would succeed; the first deep walk of the value (validation, a run) would not.
  const tooDeep = nestingProblem(text)
  if (tooDeep) throw new FileInputError(`${file}: ${tooDeep}`)
  const parsed = parseJsonText(text)
  if (!parsed.ok) throw new FileInputError(`${file} is not valid JSON: ${parsed.message}`)
  return parsed.value
}

/** A JSON object given inline (`{"type":"x"}`) or as a file path. */
export async function readJsonObjectArg(
  value: string,
  what: string,
): Promise<Record<string, unknown>> {
  let parsedValue: unknown
  if (value.trimStart().startsWith('{') || value.trimStart().startsWith('[')) {
    const tooDeep = nestingProblem(value)
    if (tooDeep) throw new FileInputError(`The ${what} given inline is refused: ${tooDeep}`)
    const parsed = parseJsonText(value)
    if (!parsed.ok)
      throw new FileInputError(`The ${what} given inline is not valid JSON: ${parsed.message}`)
    parsedValue = parsed.value
  } else {
    parsedValue = await readJsonFile(value)
  }
  if (!parsedValue || typeof parsedValue !== 'object' || Array.isArray(parsedValue)) {
    throw new FileInputError(
      `The ${what} (${value.length > 60 ? 'inline' : value}) must be a JSON object, got ${Array.isArray(parsedValue) ? 'a list' : parsedValue === null ? 'null' : typeof parsedValue}`,
    )
  }
  return parsedValue as Record<string, unknown>
}

/** Flow files live as `*.flow.json` (or `flow.json` in a sample folder). */
export function isFlowFileName(name: string): boolean {
  return name.endsWith('.flow.json') || name === 'flow.json'
}

/**
 * Finds flows by id among the flow files in a folder, reading each file at most once.
 * `flowbench run` uses it so `flow.subflow` can name flows that sit beside the one it runs.
 */
export function siblingFlowResolver(dir: string): (flowId: string) => Promise<Flow | undefined> {
  let index: Promise<Map<string, Flow>> | null = null
  const build = async () => {
    const flows = new Map<string, Flow>()
    const names = await readdir(dir).catch(() => [] as string[])
    for (const name of names.filter(isFlowFileName).sort()) {
      try {
        const value = parseJsonText(await readFile(path.join(dir, name), 'utf8'))
        const id =
          value.ok && value.value && typeof value.value === 'object'
            ? (value.value as { id?: unknown }).id
            : undefined
        if (typeof id === 'string' && !flows.has(id))
          flows.set(id, value.ok ? (value.value as Flow) : ({} as Flow))
      } catch {
        // An unreadable neighbour is simply not a candidate.
      }
    }
    return flows
  }
  return async (flowId) => {
    index ??= build()
    return (await index).get(flowId)
  }
}

/** The flow files a path names: the file itself, or every flow file in a folder and below it. */
export async function findFlowFiles(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => null)
  if (!info) throw new FileInputError(`${target}: no such file or folder`)
  if (info.isFile()) return [target]
  const found: string[] = []
  const walk = async (dir: string, depth: number) => {
    const entries = await readdir(dir, { withFileTypes: true })
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name)
      if (
        entry.isDirectory() &&
        depth < 6 &&
        entry.name !== 'node_modules' &&
        !entry.name.startsWith('.')
      )
        await walk(full, depth + 1)
      else if (entry.isFile() && isFlowFileName(entry.name)) found.push(full)
    }
  }
  await walk(target, 0)
  return found
}
