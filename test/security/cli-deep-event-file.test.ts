/**
 * Attack: an event file nested 100,000 deep (`flowbench run flow.json --event deep.json`, or
 * as one line of an --events file). It parsed, then overflowed the stack inside the run; the
 * CLI printed "unexpected error" with a stack trace and exit 1, as if the flow had failed.
 * Unreadable input is exit 2 with one line on stderr naming the file and the problem.
 */
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../src-main/cli/main'
import { repoRoot } from '../fixtures/flows'
import { tempDir } from './serve-helpers'

const dir = tempDir('fb-sec-deep-event-')
const flow = path.join(repoRoot, 'resources/samples/vip-tagging/flow.json')
const deep = (depth: number) =>
  '{"type":"purchase","properties":{"total":5,"extra":' +
  '{"a":'.repeat(depth) +
  '1' +
  '}'.repeat(depth + 2)

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await main([...argv, '--data-dir', path.join(dir, 'data')], {
    io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
  })
  return { code, stdout, stderr: stderr.trim() }
}

function file(name: string, text: string): string {
  const full = path.join(dir, name)
  writeFileSync(full, text)
  return full
}

describe('flowbench run with a deeply nested event file', () => {
  const cases: [string, () => string[]][] = [
    ['--event file.json', () => ['--event', file('deep-event.json', deep(100_000))]],
    ['--event inline JSON', () => ['--event', deep(100_000)]],
    [
      '--events file.ndjson',
      () => ['--events', file('deep.ndjson', '{"type":"purchase"}\n' + deep(100_000) + '\n')],
    ],
    [
      '--events file.json',
      () => ['--events', file('deep-list.json', `[{"type":"purchase"},${deep(100_000)}]`)],
    ],
  ]
  it.each(cases)('%s: exit 2, one line naming the file and the problem', async (_name, args) => {
    const argv = args()
    const { code, stderr } = await cli('run', flow, ...argv)
    expect(code).toBe(2)
    expect(stderr.split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/nested deeper than \d+ levels/)
    expect(stderr).not.toContain('\n    at ')
    if (!argv[1]!.startsWith('{')) expect(stderr).toContain(argv[1])
  })

  it('a deep flow file is refused the same way', async () => {
    const deepFlow = file(
      'deep.flow.json',
      '{"schemaVersion":1,"id":"x","metadata":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}',
    )
    const { code, stderr } = await cli('validate', deepFlow)
    expect(code).toBe(2)
    expect(stderr).toContain('deep.flow.json')
    expect(stderr.split('\n')).toHaveLength(1)
  })

  it('ordinary nesting still runs', async () => {
    const { code, stderr } = await cli('run', flow, '--event', file('ok.json', deep(50)))
    expect(code, stderr).toBe(0)
  })
})
