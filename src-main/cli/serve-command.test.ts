import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { raw, startServeProcess, tempDir } from '../../test/security/serve-helpers'
import { createBundle } from '../bundles/bundle'
import { PluginRegistry } from '../plugins-host/registry'
import { APP_VERSION } from '../version'
import { main } from './main'

const registry = PluginRegistry.withBuiltins()
const dir = tempDir('fb-serve-cmd-')

async function cli(argv: string[], env: Record<string, string> = {}) {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
    env,
  })
  return { code, stdout, stderr }
}

function flowUsing(
  id: string,
  hookPath: string,
  template: string,
  hook: Record<string, unknown> = {},
): Flow {
  return {
    schemaVersion: 1,
    id,
    name: id,
    nodes: [
      {
        id: 'hook',
        plugin: 'trigger.webhook',
        position: { x: 0, y: 0 },
        config: { path: hookPath, waitForRun: true, ...hook },
      },
      {
        id: 'text',
        plugin: 'data.template',
        position: { x: 0, y: 0 },
        config: { template, to: 'flow@text' },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', sourcePort: 'payload', target: 'text', targetPort: 'payload' },
    ],
  }
}

function flowsFolder(name: string, flows: Flow[]): string {
  const folder = path.join(dir, name)
  mkdirSync(folder, { recursive: true })
  for (const flow of flows)
    writeFileSync(path.join(folder, `${flow.id}.flow.json`), JSON.stringify(flow))
  return folder
}

const needy = flowsFolder('needy', [
  flowUsing('crm', 'crm', '{{ secrets.crm.apiKey }} {{ secrets.crm.user }}'),
  flowUsing('gh', 'gh', 'hi', {
    signature: { scheme: 'github', secret: 'secret@github-app.webhook_secret' },
  }),
])

describe('flowbench serve secrets and environments', () => {
  it('refuses to start, naming every missing secret and its variable in one line', async () => {
    const { code, stderr, stdout } = await cli(['serve', needy, '--port', '0'], {
      FLOWBENCH_SECRET_CRM_USER: 'ann',
    })
    expect(code).toBe(2)
    expect(stderr).toBe(
      'flowbench: serve: missing secrets: crm.apiKey (FLOWBENCH_SECRET_CRM_APIKEY), github-app.webhook_secret (FLOWBENCH_SECRET_GITHUB_APP_WEBHOOK_SECRET)\n',
    )
    expect(stdout).not.toContain('serving')
  })

  it('refuses a malformed secrets file by line number, without showing the line', async () => {
    const file = path.join(dir, 'bad.env')
    writeFileSync(file, 'FLOWBENCH_SECRET_CRM_USER=ann\nsk_live_pasted_by_mistake\n')
    const { code, stderr } = await cli(['serve', needy, '--secrets-file', file])
    expect(code).toBe(2)
    expect(stderr).toBe(`flowbench: serve: ${file}, line 2: expected NAME=value\n`)
  })

  it('refuses an unreadable secrets file and an environment the bundle does not have', async () => {
    expect((await cli(['serve', needy, '--secrets-file', path.join(dir, 'nope.env')])).code).toBe(2)
    const bundle = path.join(dir, 'envs.flowbundle')
    writeFileSync(
      bundle,
      createBundle([{ flow: flowUsing('v', 'v', '{{ vars.apiBase }}'), revision: 1 }], {
        appVersion: APP_VERSION,
        plugins: registry,
        environments: { staging: { vars: { apiBase: 'https://staging.example' } } },
      }),
    )
    const { code, stderr } = await cli(['serve', bundle, '--env', 'prod'])
    expect(code).toBe(2)
    expect(stderr).toBe('flowbench: serve: the bundle has no environment "prod" (it has staging)\n')
  })
})

describe('flowbench serve --env with a bundle', () => {
  let proc: ReturnType<typeof startServeProcess> | null = null
  afterAll(async () => {
    if (proc && proc.child.exitCode === null) {
      proc.child.kill('SIGTERM')
      await proc.exited
    }
  })

  it("runs with the environment's variables, FLOWBENCH_VAR_* overriding them, and the secrets given", async () => {
    const bundle = path.join(dir, 'staging.flowbundle')
    writeFileSync(
      bundle,
      createBundle(
        [
          {
            flow: flowUsing(
              'orders',
              'orders',
              '{{ vars.apiBase }}/{{ vars.region }} as {{ secrets.crm.user }}',
            ),
            revision: 3,
          },
        ],
        {
          appVersion: APP_VERSION,
          plugins: registry,
          environments: { staging: { vars: { apiBase: 'https://staging.example', region: 'us' } } },
        },
      ),
    )
    proc = startServeProcess(
      [bundle, '--env', 'staging', '--port', '0', '--data-dir', tempDir('fb-serve-env-')],
      {
        FLOWBENCH_VAR_REGION: 'eu',
        FLOWBENCH_SECRET_CRM_USER: 'ann-the-user',
      },
    )
    const port = await proc.ready
    const res = await raw(port, {
      method: 'POST',
      path: '/hooks/orders',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    })
    expect(res.status).toBe(200)
    expect((res.json() as { state: { flow: unknown } }).state.flow).toEqual({
      text: 'https://staging.example/eu as ••••',
    })
  }, 30_000)
})
