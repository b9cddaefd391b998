import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFlow, repoRoot, SAMPLES } from '../../test/fixtures/flows'
import { main } from './main'

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
  })
  return { code, stdout, stderr }
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fb-cli-'))
function file(name: string, content: string | object): string {
  const full = path.join(tmp, name)
  writeFileSync(full, typeof content === 'string' ? content : JSON.stringify(content, null, 2))
  return full
}
const sample = (name: string, f = 'flow.json') => path.join(repoRoot, 'resources/samples', name, f)

describe('flowbench run', () => {
  it.each(SAMPLES)(
    'runs the %s sample with its event and prints the report as JSON',
    async (name) => {
      const { code, stdout } = await cli(
        'run',
        sample(name),
        '--event',
        sample(name, 'event.json'),
        '--json',
      )
      expect(code).toBe(0)
      const report = JSON.parse(stdout)
      expect(report).toMatchObject({ flowId: name, status: 'succeeded', success: true })
      for (const key of [
        'runId',
        'flowVersion',
        'startedAt',
        'finishedAt',
        'durationMs',
        'trigger',
        'state',
        'changes',
        'nodes',
        'edges',
        'errors',
      ]) {
        expect(report).toHaveProperty(key)
      }
    },
  )

  it('prints a compact per-node table without --json', async () => {
    const { code, stdout } = await cli(
      'run',
      sample('ticket-router'),
      '--event',
      sample('ticket-router', 'event.json'),
    )
    expect(code).toBe(0)
    expect(stdout).toMatch(/NODE\s+PLUGIN\s+STATUS\s+PORT\s+TIME/)
    expect(stdout).toMatch(/urgent \(Urgent queue\)\s+data\.set\s+ok\s+payload/)
    expect(stdout).toMatch(/standard \(Support queue\)\s+data\.set\s+skipped/)
    expect(stdout).toContain('SUCCEEDED')
  })

  it('accepts an inline JSON event', async () => {
    const { code, stdout } = await cli(
      'run',
      sample('vip-tagging'),
      '--event',
      '{"type":"purchase","properties":{"total":5}}',
      '--json',
    )
    expect(code).toBe(0)
    expect(JSON.parse(stdout).state.profile.traits).toEqual({ purchases: 1, totalSpent: 5 })
  })

  it('exits 1 when the flow fails', async () => {
    const f = file(
      'fails.flow.json',
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['boom', 'flow.throw', { message: 'no' }],
        ],
        ['start.payload -> boom'],
      ),
    )
    const { code, stdout } = await cli('run', f, '--json')
    expect(code).toBe(1)
    expect(JSON.parse(stdout).status).toBe('failed')
  })

  it('exits 1 and lists the problems when the flow is invalid', async () => {
    const f = file(
      'invalid.flow.json',
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['x', 'no.such-plugin'],
        ],
        ['start.payload -> x'],
      ),
    )
    const { code, stdout } = await cli('run', f)
    expect(code).toBe(1)
    expect(stdout).toContain('unknown-plugin')
  })

  it('reports a flow file that is not JSON with its line and column, exit 2', async () => {
    const f = file('broken.flow.json', '{\n  "schemaVersion": 1,\n  "id": oops\n}')
    const { code, stderr } = await cli('run', f)
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/line 3, column 9/)
  })

  it('exits 2 with a one-line reason for an event that is not an object, a missing file, an unknown flag', async () => {
    const list = file('list.json', [1, 2])
    for (const args of [
      ['run', sample('vip-tagging'), '--event', list],
      ['run', path.join(tmp, 'nope.json')],
      ['run', sample('vip-tagging'), '--evnt', 'x'],
      ['run'],
      ['frobnicate'],
      ['run', sample('vip-tagging'), '--trace', 'loud'],
    ]) {
      const { code, stderr } = await cli(...args)
      expect(code, args.join(' ')).toBe(2)
      expect(stderr.trim().split('\n'), args.join(' ')).toHaveLength(1)
      expect(stderr).toMatch(/^flowbench: /)
    }
  })

  it('runs subflows found beside the flow', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-sub-'))
    writeFileSync(
      path.join(dir, 'child.flow.json'),
      JSON.stringify(
        buildFlow(
          [
            ['in', 'trigger.subflow'],
            ['end', 'flow.end', { result: 'payload.n + 1' }],
          ],
          ['in.payload -> end'],
          'child',
        ),
      ),
    )
    const parentFile = path.join(dir, 'parent.flow.json')
    writeFileSync(
      parentFile,
      JSON.stringify(
        buildFlow(
          [
            ['start', 'trigger.manual'],
            ['call', 'flow.subflow', { flowId: 'child', input: 'event.properties' }],
            ['keep', 'data.set', { values: { 'flow@r': 'payload@' } }],
          ],
          ['start.payload -> call', 'call.result -> keep'],
          'parent',
        ),
      ),
    )
    const { code, stdout } = await cli(
      'run',
      parentFile,
      '--event',
      '{"properties":{"n":1}}',
      '--json',
    )
    expect(code).toBe(0)
    expect(JSON.parse(stdout).state.flow).toEqual({ r: 2 })
  })
})

describe('flowbench run --events', () => {
  const purchases = Array.from({ length: 30 }, (_, i) => ({
    type: 'purchase',
    profileId: `c${i % 3}`,
    properties: { total: 100 },
  }))

  it('runs every event of an NDJSON file, carrying profiles from event to event', async () => {
    const f = file('events.ndjson', purchases.map((e) => JSON.stringify(e)).join('\n') + '\n')
    const { code, stdout } = await cli('run', sample('vip-tagging'), '--events', f, '--json')
    expect(code).toBe(0)
    const summary = JSON.parse(stdout)
    expect(summary).toMatchObject({ events: 30, succeeded: 30, failed: 0, failures: [] })
    for (const key of ['eventsPerSecond', 'p50Ms', 'p99Ms'])
      expect(typeof summary[key]).toBe('number')
  })

  it('reads JSON arrays and CSV (columns to event fields, the rest to properties)', async () => {
    const json = file('events.json', purchases.slice(0, 5))
    expect(
      JSON.parse((await cli('run', sample('vip-tagging'), '--events', json, '--json')).stdout)
        .events,
    ).toBe(5)
    const csv = file(
      'events.csv',
      'type,profileId,total,note\npurchase,a,10,hello\npurchase,a,20,"with, comma"\n',
    )
    const { stdout } = await cli('run', sample('vip-tagging'), '--events', csv, '--json')
    expect(JSON.parse(stdout)).toMatchObject({ events: 2, succeeded: 2 })
  })

  it('counts malformed lines as failures with their index and goes on', async () => {
    const f = file(
      'mixed.ndjson',
      '{"type":"purchase","properties":{"total":1}}\n{not json}\n[1]\n{"type":"purchase","properties":{"total":2}}\n',
    )
    const { code, stdout } = await cli('run', sample('vip-tagging'), '--events', f, '--json')
    expect(code).toBe(1)
    const summary = JSON.parse(stdout)
    expect(summary).toMatchObject({ events: 4, succeeded: 2, failed: 2 })
    expect(summary.failures.map((x: { index: number }) => x.index)).toEqual([1, 2])
    expect(summary.failures[0].errors[0].message).toContain('line 2')
  })

  it('prints a readable summary', async () => {
    const f = file(
      'few.ndjson',
      purchases
        .slice(0, 3)
        .map((e) => JSON.stringify(e))
        .join('\n'),
    )
    const { stdout } = await cli('run', sample('vip-tagging'), '--events', f)
    expect(stdout).toMatch(/events\s+3/)
    expect(stdout).toMatch(/events\/s/)
    expect(stdout).toMatch(/p99/)
  })
})

describe('flowbench validate', () => {
  it('accepts every sample', async () => {
    for (const name of SAMPLES) {
      const { code, stdout } = await cli('validate', sample(name), '--json')
      expect(code, name).toBe(0)
      expect(
        JSON.parse(stdout).problems.filter((p: { severity: string }) => p.severity === 'error'),
      ).toEqual([])
    }
  })

  const cases: [string, object][] = [
    ['no-entrypoint', buildFlow([['a', 'data.set', { values: {} }]], [])],
    [
      'multiple-entrypoints',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'trigger.manual'],
        ],
        [],
      ),
    ],
    [
      'unknown-plugin',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'nope.nope'],
        ],
        ['a.payload -> b'],
      ),
    ],
    ['dangling-edge', buildFlow([['a', 'trigger.manual']], ['a.payload -> ghost'])],
    [
      'unknown-port',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'flow.log', { message: 'x' }],
        ],
        ['a.nope -> b'],
      ),
    ],
    [
      'cycle',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'flow.log', { message: 'x' }],
          ['c', 'flow.log', { message: 'y' }],
        ],
        ['a.payload -> b', 'b.payload -> c', 'c.payload -> b'],
      ),
    ],
    [
      'invalid-config',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'flow.if', { condition: 42 }],
        ],
        ['a.payload -> b'],
      ),
    ],
    [
      'duplicate-id',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['a', 'flow.log', { message: 'x' }],
        ],
        [],
      ),
    ],
    [
      'unreachable-node',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'flow.log', { message: 'x' }],
        ],
        [],
      ),
    ],
  ]
  it.each(cases)('reports %s', async (code, flow) => {
    const f = file(`${code}.flow.json`, flow)
    const result = await cli('validate', f, '--json')
    const problems = JSON.parse(result.stdout).problems as { code: string }[]
    expect(problems.map((p) => p.code)).toContain(code)
    expect(result.code).toBe(code === 'unreachable-node' ? 0 : 1)
  })

  it('prints problems readably', async () => {
    const f = file(
      'readable.flow.json',
      buildFlow(
        [
          ['a', 'trigger.manual'],
          ['b', 'flow.if', { condition: 'event.x >' }],
        ],
        ['a.payload -> b'],
      ),
    )
    const { code, stdout } = await cli('validate', f)
    expect(code).toBe(1)
    expect(stdout).toMatch(/error\s+invalid-expression\s+node "b" \/nodes\/1\/config\/condition/)
  })
})

describe('the flowbench command', () => {
  it('works through bin/flowbench.js (what npx runs)', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/flowbench.js'), '--help'],
      { encoding: 'utf8' },
    )
    expect(result.status).toBe(0)
    expect(result.stdout).toContain('flowbench run <flow.json|bundle>')
    const bad = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'bin/flowbench.js'), 'validate', sample('vip-tagging'), '--bogus'],
      { encoding: 'utf8' },
    )
    expect(bad.status).toBe(2)
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
  })
})
