import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildFlow } from '../../test/fixtures/flows'
import { main } from './main'

const VALUE = 'cli-secret-93be0c1d'
const tmp = mkdtempSync(path.join(os.tmpdir(), 'fb-cli-secrets-'))
const dataDir = path.join(tmp, 'data')

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
  })
  return { code, stdout, stderr }
}

const flow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['check', 'flow.if', { condition: `secrets.crm.apiKey == "${VALUE}"` }],
    [
      'say',
      'flow.log',
      { level: 'info', message: 'key {{ secrets.crm.apiKey }} at {{ vars.apiBase }}' },
    ],
  ],
  ['start.payload -> check', 'check.true -> say'],
  'uses-secret',
)
const flowFile = path.join(tmp, 'uses-secret.flow.json')
writeFileSync(
  flowFile,
  JSON.stringify({
    ...flow,
    tests: [
      {
        name: 'offline',
        event: {},
        secrets: { crm: { apiKey: VALUE } },
        expect: { reached: ['say'] },
      },
    ],
  }),
)

describe('flowbench secrets and env', () => {
  it('sets, lists (names only), renames and deletes secrets', async () => {
    expect(
      (await cli('secrets', 'set', 'crm', `apiKey=${VALUE}`, '--data-dir', dataDir)).code,
    ).toBe(0)
    expect(
      (
        await cli(
          'env',
          'set',
          'development',
          'apiBase=https://api.example.test',
          '--data-dir',
          dataDir,
        )
      ).code,
    ).toBe(0)
    const list = await cli('secrets', 'list', '--json', '--data-dir', dataDir)
    expect(JSON.parse(list.stdout).secrets).toEqual([
      { name: 'crm', environment: null, fields: ['apiKey'], updatedAt: expect.any(String) },
    ])
    expect(list.stdout).not.toContain(VALUE)
    const bad = await cli('secrets', 'set', 'crm', 'apiKey', '--data-dir', dataDir)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('"apiKey" is not field=value')
    for (const file of readdirSync(dataDir).filter((f) => f.startsWith('flowbench.db')))
      expect(readFileSync(path.join(dataDir, file)).includes(VALUE)).toBe(false)
  })

  it('run reads the secret and variables of the environment; the report shows ••••', async () => {
    const result = await cli('run', flowFile, '--json', '--data-dir', dataDir)
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(VALUE)
    const report = JSON.parse(result.stdout)
    expect(report.nodes.find((n: { nodeId: string }) => n.nodeId === 'say').logs[0].message).toBe(
      'key •••• at https://api.example.test',
    )
  })

  it('--env names an environment; an unknown one is a usage error', async () => {
    await cli(
      'secrets',
      'set',
      'crm',
      'apiKey=prod-value',
      '--env',
      'production',
      '--data-dir',
      dataDir,
    )
    const prod = await cli('run', flowFile, '--json', '--env', 'production', '--data-dir', dataDir)
    // The production key differs, so the condition is false there and `say` is skipped.
    const report = JSON.parse(prod.stdout)
    expect(report.nodes.find((n: { nodeId: string }) => n.nodeId === 'check').outputs[0].port).toBe(
      'false',
    )
    expect(report.nodes.find((n: { nodeId: string }) => n.nodeId === 'say').status).toBe('skipped')
    const missing = await cli('run', flowFile, '--env', 'staging', '--data-dir', dataDir)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('there is no environment "staging"')
  })

  it('a failing test names no secret value, in its output or its JUnit file', async () => {
    const failing = buildFlow(
      [
        ['start', 'trigger.manual'],
        ['boom', 'flow.throw', { message: 'rejected key {{ secrets.crm.apiKey }}' }],
      ],
      ['start.payload -> boom'],
      'fails-with-secret',
    )
    const failingFile = path.join(tmp, 'fails-with-secret.flow.json')
    writeFileSync(
      failingFile,
      JSON.stringify({
        ...failing,
        tests: [{ name: 'expects success', event: {}, expect: { status: 'succeeded' } }],
      }),
    )
    const junit = path.join(tmp, 'results.xml')
    const result = await cli('test', failingFile, '--junit', junit, '--data-dir', dataDir)
    expect(result.code).toBe(1)
    expect(result.stdout + result.stderr).not.toContain(VALUE)
    const xml = readFileSync(junit, 'utf8')
    expect(xml).toContain('rejected key ••••')
    expect(xml).not.toContain(VALUE)
  })

  it('test cases run offline with their own fake secrets', async () => {
    const empty = path.join(tmp, 'empty-data')
    const result = await cli('test', flowFile, '--json', '--data-dir', empty)
    expect(result.code).toBe(0)
    expect(result.stdout).not.toContain(VALUE)
  })
})
