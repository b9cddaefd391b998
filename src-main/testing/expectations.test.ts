import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import { buildFlow, repoRoot, sampleFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { main } from '../cli/main'
import { runTests } from './run-tests'

const plugins = testRegistry()
const flow: Flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['check', 'flow.if', { condition: 'event.properties.total > 100' }],
    [
      'big',
      'data.set',
      {
        values: {
          'profile@traits.big': true,
          'flow@size': 'big',
          'session@context.seen': 1,
          'event@properties.tagged': true,
        },
      },
    ],
    ['small', 'data.set', { values: { 'flow@size': 'small' } }],
  ],
  ['start.payload -> check', 'check.true -> big', 'check.false -> small'],
)

async function one(testCase: TestCase) {
  const suite = await runTests(flow, [testCase], { plugins, keepReports: true })
  return suite.cases[0]!
}

describe('expectations', () => {
  const big = { properties: { total: 150 } }

  it('pass when the run matches: status, reached, notReached, profile, session, event, flow, outputs', async () => {
    const result = await one({
      name: 'all kinds',
      event: big,
      expect: {
        status: 'succeeded',
        reached: ['big'],
        notReached: ['small'],
        profile: { 'traits.big': true },
        session: { 'context.seen': 1 },
        event: { 'properties.tagged': true },
        flow: { size: 'big' },
        outputs: { check: { port: 'true' } },
      },
    })
    expect(result.unmet).toEqual([])
    expect(result.passed).toBe(true)
  })

  it.each([
    [
      'status',
      { status: 'failed' as const },
      { kind: 'status', expected: 'failed', actual: 'succeeded' },
    ],
    ['reached', { reached: ['small'] }, { kind: 'reached', target: 'small', actual: 'skipped' }],
    ['notReached', { notReached: ['big'] }, { kind: 'notReached', target: 'big' }],
    [
      'profile',
      { profile: { 'traits.big': false } },
      { kind: 'profile', expected: false, actual: true },
    ],
    ['session', { session: { 'context.seen': 2 } }, { kind: 'session', expected: 2, actual: 1 }],
    ['event', { event: { 'properties.total': 1 } }, { kind: 'event', expected: 1, actual: 150 }],
    ['flow', { flow: { size: 'small' } }, { kind: 'flow', expected: 'small', actual: 'big' }],
    [
      'output port',
      { outputs: { check: { port: 'false' } } },
      { kind: 'output', target: 'check.false' },
    ],
    [
      'output value',
      { outputs: { check: { port: 'true', value: { nope: 1 } } } },
      { kind: 'output', expected: { nope: 1 } },
    ],
  ])(
    'fail on an unmet %s expectation, with expected and actual',
    async (_kind, expectation, unmet) => {
      const result = await one({ name: 'x', event: big, expect: expectation })
      expect(result.passed).toBe(false)
      expect(result.unmet).toEqual([expect.objectContaining(unmet)])
      expect(result.unmet[0]!.message.length).toBeGreaterThan(10)
    },
  )

  it('expect success by default and explain a failed run', async () => {
    const failing = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['boom', 'flow.throw', { message: 'no stock' }],
      ],
      ['start.payload -> boom'],
    )
    const suite = await runTests(failing, [{ name: 'x', event: {} }], { plugins })
    expect(suite.cases[0]!.unmet[0]!.message).toContain('boom: no stock')
  })

  it('serve mocks, and start from the case profile', async () => {
    const result = await one({
      name: 'mocked',
      event: { properties: { total: 5 } },
      profile: { id: 'p', traits: { big: 'before' } },
      mocks: { check: { port: 'true', value: { forced: true } } },
      expect: { reached: ['big'], profile: { 'traits.big': true } },
    })
    expect(result.passed).toBe(true)
  })

  it('fail every case of a flow that cannot run, saying why', async () => {
    const suite = await runTests({ ...flow, nodes: [], edges: [] }, [{ name: 'a', event: {} }], {
      plugins,
    })
    expect(suite.failed).toBe(1)
    expect(suite.cases[0]!.error).toMatch(/trigger/)
  })
})

describe('flowbench test', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' }
    return {
      out,
      io: {
        out: (t: string) => (out.stdout += t + '\n'),
        err: (t: string) => (out.stderr += t + '\n'),
      },
    }
  }

  it('runs every sample in a folder, prints the totals and writes JUnit XML', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-test-'))
    const junit = path.join(dir, 'report.xml')
    const { out, io: output } = io()
    const code = await main(['test', path.join(repoRoot, 'resources/samples'), '--junit', junit], {
      io: output,
    })
    expect(code).toBe(0)
    const total = SAMPLE_CASES()
    expect(out.stdout.trim().split('\n').at(-1)).toBe(`${total} passed, 0 failed`)
    const xml = readFileSync(junit, 'utf8')
    expect(xml).toContain(`<testsuites name="flowbench" tests="${total}" failures="0"`)
    expect(xml).toContain('<testcase classname="vip-tagging" name="A big purchase makes a VIP"')
  })

  it('exits 1 and explains a failing case', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-test-'))
    const file = path.join(dir, 'x.flow.json')
    writeFileSync(
      file,
      JSON.stringify({
        ...sampleFlow('vip-tagging'),
        tests: [
          {
            name: 'wrong',
            event: { type: 'purchase', properties: { total: 5 } },
            expect: { profile: { 'traits.purchases': 9 } },
          },
        ],
      }),
    )
    const { out, io: output } = io()
    expect(await main(['test', file, '--junit', path.join(dir, 'j.xml')], { io: output })).toBe(1)
    expect(out.stdout).toContain('✗ wrong')
    expect(out.stdout).toContain('profile.traits.purchases should be 9, but it is 1')
    expect(out.stdout.trim().split('\n').at(-1)).toBe('0 passed, 1 failed')
    expect(readFileSync(path.join(dir, 'j.xml'), 'utf8')).toContain(
      '<failure message="profile.traits.purchases should be 9, but it is 1"',
    )
  })

  it('prints JSON with --json', async () => {
    const { out, io: output } = io()
    await main(
      ['test', path.join(repoRoot, 'resources/samples/ticket-router/flow.json'), '--json'],
      { io: output },
    )
    expect(JSON.parse(out.stdout)).toMatchObject({
      passed: 2,
      failed: 0,
      suites: [{ flowId: 'ticket-router' }],
    })
  })
})

function SAMPLE_CASES(): number {
  // Every sample folder, connectors' samples included (their cases mock the servers).
  const dir = path.join(repoRoot, 'resources/samples')
  return readdirSync(dir).reduce(
    (n, name) =>
      n +
      ((JSON.parse(readFileSync(path.join(dir, name, 'flow.json'), 'utf8')) as Flow).tests
        ?.length ?? 0),
    0,
  )
}
