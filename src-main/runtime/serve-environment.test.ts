import { describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { PluginRegistry } from '../plugins-host/registry'
import {
  describeMissing,
  parseDotenv,
  SecretsFileError,
  secretVariable,
  serveEnvironment,
  varVariable,
} from './serve-environment'

const registry = PluginRegistry.withBuiltins()

function flowReading(...texts: string[]): Flow {
  return {
    schemaVersion: 1,
    id: 'reader',
    name: 'reader',
    nodes: [
      { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
      ...texts.map((text, i) => ({
        id: `t${i}`,
        plugin: 'data.template',
        position: { x: 0, y: 0 },
        config: { template: text },
      })),
    ],
    edges: [],
  }
}

describe('serve environment names', () => {
  it('upper-cases names and turns other characters into _', () => {
    expect(secretVariable('crm', 'apiKey')).toBe('FLOWBENCH_SECRET_CRM_APIKEY')
    expect(secretVariable('crm-eu', 'api.key')).toBe('FLOWBENCH_SECRET_CRM_EU_API_KEY')
    expect(varVariable('apiBase')).toBe('FLOWBENCH_VAR_APIBASE')
  })

  it('goes from the names the flows need to variables, so ambiguous names still resolve', () => {
    const flows = [flowReading('{{ secrets.crm_eu.api_key }} {{ secrets.crm.eu_api_key }}')]
    const { environment, missing } = serveEnvironment({
      flows,
      plugins: registry,
      env: { FLOWBENCH_SECRET_CRM_EU_API_KEY: 'v' },
      name: 'production',
    })
    expect(missing).toEqual([])
    expect(environment.secrets).toEqual({ crm: { eu_api_key: 'v' }, crm_eu: { api_key: 'v' } })
  })

  it('lists every missing secret with the variable that would hold it; only needed ones are read', () => {
    const flows = [
      flowReading(
        '{{ secrets.crm.apiKey }}',
        'secret@github.webhookSecret',
        '{{ secrets.crm.user }}',
      ),
    ]
    const { environment, missing } = serveEnvironment({
      flows,
      plugins: registry,
      env: { FLOWBENCH_SECRET_CRM_USER: 'ann', FLOWBENCH_SECRET_OTHER_X: 'not needed' },
      name: 'production',
    })
    expect(describeMissing(missing)).toBe(
      'crm.apiKey (FLOWBENCH_SECRET_CRM_APIKEY), github.webhookSecret (FLOWBENCH_SECRET_GITHUB_WEBHOOKSECRET)',
    )
    expect(environment.secrets).toEqual({ crm: { user: 'ann' }, github: {} })
  })

  it('takes secrets from the file, with the process environment winning', () => {
    const flows = [flowReading('{{ secrets.crm.apiKey }} {{ secrets.crm.user }}')]
    const file = parseDotenv(
      'FLOWBENCH_SECRET_CRM_APIKEY=from-file\nFLOWBENCH_SECRET_CRM_USER=file-user\n',
    )
    const { environment } = serveEnvironment({
      flows,
      plugins: registry,
      env: { FLOWBENCH_SECRET_CRM_USER: 'env-user' },
      file,
      name: 'production',
    })
    expect(environment.secrets.crm).toEqual({ apiKey: 'from-file', user: 'env-user' })
  })

  it("takes variables from the bundle's environment, overridden by FLOWBENCH_VAR_*, and names unset ones", () => {
    const flows = [flowReading('{{ vars.apiBase }}/{{ vars.region }}/{{ vars.tenant }}')]
    const { environment, unsetVars } = serveEnvironment({
      flows,
      plugins: registry,
      env: { FLOWBENCH_VAR_REGION: 'eu' },
      name: 'staging',
      vars: { apiBase: 'https://staging.example', region: 'us' },
    })
    expect(environment).toMatchObject({
      name: 'staging',
      vars: { apiBase: 'https://staging.example', region: 'eu' },
    })
    expect(unsetVars).toEqual([{ name: 'tenant', variable: 'FLOWBENCH_VAR_TENANT' }])
  })
})

describe('dotenv secrets files', () => {
  it('reads bare, quoted and exported values and skips comments', () => {
    const values = parseDotenv(
      [
        '# secrets for staging',
        '',
        'A=plain value  # a comment',
        "export B='single #not a comment'",
        'C="line\\nbreak \\"quoted\\""',
        'D=',
        'E=a=b',
      ].join('\r\n'),
    )
    expect(Object.fromEntries(values)).toEqual({
      A: 'plain value',
      B: 'single #not a comment',
      C: 'line\nbreak "quoted"',
      D: '',
      E: 'a=b',
    })
  })

  it('refuses a malformed line by its number, without echoing its text', () => {
    for (const [text, line] of [
      ['A=1\nsk_live_leaked_value\n', 2],
      ['A=1\nB=2\nC="sk_live_half\n', 3],
      ["A='x' trailing", 1],
      ['1A=x', 1],
    ] as const) {
      let error: unknown
      try {
        parseDotenv(text, 'prod.env')
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(SecretsFileError)
      expect((error as Error).message).toMatch(new RegExp(`^prod\\.env, line ${line}: `))
      expect((error as Error).message).not.toContain('sk_live')
    }
  })
})
