import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { main } from './main'

function capture() {
  const out = { stdout: '', stderr: '' }
  return {
    out,
    io: {
      out: (t: string) => (out.stdout += t + '\n'),
      err: (t: string) => (out.stderr += t + '\n'),
    },
  }
}

/** A folder with an `orders` flow (one branch tested) calling a `grade` subflow it has no tests of its own. */
function project(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-coverage-'))
  const grade = buildFlow(
    [
      ['in', 'trigger.subflow'],
      ['gate', 'flow.if', { condition: 'payload.total > 100' }],
      ['gold', 'flow.end', { result: "'gold'" }],
      ['basic', 'flow.end', { result: "'basic'" }],
    ],
    ['in.payload -> gate', 'gate.true -> gold', 'gate.false -> basic'],
    'grade',
  )
  const orders = {
    ...buildFlow(
      [
        ['start', 'trigger.manual'],
        ['tier', 'flow.subflow', { flowId: 'grade', input: 'event.properties' }],
        ['keep', 'data.set', { values: { 'profile@traits.tier': 'payload@' } }],
      ],
      ['start.payload -> tier', 'tier.result -> keep'],
      'orders',
    ),
    tests: [
      {
        name: 'big order',
        event: { properties: { total: 500 } },
        expect: { profile: { 'traits.tier': 'gold' } },
      },
    ],
  }
  writeFileSync(path.join(dir, 'grade.flow.json'), JSON.stringify(grade))
  writeFileSync(path.join(dir, 'orders.flow.json'), JSON.stringify(orders))
  return dir
}

describe('flowbench test --coverage', () => {
  it('prints a per-flow table, counting the subflow toward its own flow, and lists what was never reached', async () => {
    const dir = project()
    const { out, io } = capture()
    expect(await main(['test', dir, '--coverage'], { io })).toBe(0)
    const lines = out.stdout.split('\n')
    expect(lines).toContainEqual(
      expect.stringMatching(/^FLOW\s+RUNS\s+NODES\s+PORTS\s+BRANCHES\s+EDGES$/),
    )
    expect(lines).toContainEqual(
      expect.stringMatching(/^orders\s+1\s+100% \(3\/3\)\s+100% \(3\/3\)\s+100% \(0\/0\)/),
    )
    expect(lines).toContainEqual(
      expect.stringMatching(/^grade\s+1\s+75% \(3\/4\)\s+66\.6% \(2\/3\)\s+50% \(1\/2\)/),
    )
    expect(out.stdout).toContain('grade never reached: node basic, branch gate.false')
  })

  it('writes the figures as JSON with --coverage-json', async () => {
    const dir = project()
    const file = path.join(dir, 'coverage.json')
    expect(await main(['test', dir, '--coverage-json', file], { io: capture().io })).toBe(0)
    const written = JSON.parse(readFileSync(file, 'utf8')) as {
      flows: { flowId: string; branches: unknown }[]
    }
    expect(written.flows.map((f) => f.flowId).sort()).toEqual(['grade', 'orders'])
    expect(written.flows.find((f) => f.flowId === 'grade')!.branches).toEqual({
      covered: 1,
      total: 2,
      percent: 50,
      uncovered: [{ nodeId: 'gate', port: 'false' }],
    })
  })

  it('exits 1 when a flow is below --min-coverage, 0 when every flow reaches it, 2 for a bad percentage', async () => {
    const dir = project()
    const below = capture()
    expect(await main(['test', dir, '--min-coverage', '60'], { io: below.io })).toBe(1)
    expect(below.out.stdout).toContain(
      'Coverage of grade is below 60%: nodes 75%, ports 66.6%, branches 50%',
    )
    expect(below.out.stdout).toContain('1 passed, 0 failed')
    expect(await main(['test', dir, '--min-coverage', '50'], { io: capture().io })).toBe(0)
    const bad = capture()
    expect(await main(['test', dir, '--min-coverage', 'lots'], { io: bad.io })).toBe(2)
    expect(bad.out.stderr).toContain('--min-coverage must be a percentage')
  })

  it('carries the figures as JUnit properties of each flow', async () => {
    const dir = project()
    const junit = path.join(dir, 'junit.xml')
    expect(await main(['test', dir, '--coverage', '--junit', junit], { io: capture().io })).toBe(0)
    const xml = readFileSync(junit, 'utf8')
    const orders = xml.slice(xml.indexOf('<testsuite name="orders"'))
    expect(orders).toMatch(/^<testsuite name="orders"[^>]*>\s*<properties>/)
    expect(orders).toContain('<property name="coverage.nodes" value="100"/>')
    expect(orders).toContain('<property name="coverage.branches.covered" value="0/0"/>')
  })

  it('includes coverage in --json output only when asked', async () => {
    const dir = project()
    const plain = capture()
    await main(['test', dir, '--json'], { io: plain.io })
    expect(JSON.parse(plain.out.stdout)).not.toHaveProperty('coverage')
    const withCoverage = capture()
    await main(['test', dir, '--json', '--coverage'], { io: withCoverage.io })
    expect(JSON.parse(withCoverage.out.stdout).coverage).toHaveLength(2)
  })
})
