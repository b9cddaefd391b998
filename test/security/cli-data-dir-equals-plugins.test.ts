/**
 * Attack (confused deputy): `--data-dir=/x` — the `=` form — opened the database in /x but
 * loaded plugins from the default data directory, so a flow run against /x executed whatever
 * plugin code sat in the user's default plugin folder, and /x's own plugins were missing.
 * Both forms now name the same directory for everything.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { main } from '../../src-main/cli/main'
import { buildFlow, repoRoot } from '../fixtures/flows'
import { tempDir } from './serve-helpers'

async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  const saved = { ...process.env }
  Object.assign(process.env, env)
  let stdout = ''
  let stderr = ''
  try {
    const code = await main(argv, {
      io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
    })
    return { code, stdout, stderr }
  } finally {
    process.env = saved
  }
}

describe('--data-dir=DIR', () => {
  it('loads plugins from DIR/plugins, as --data-dir DIR does', async () => {
    const dataDir = tempDir('fb-sec-datadir-')
    const defaultDir = tempDir('fb-sec-datadir-default-')
    mkdirSync(path.join(dataDir, 'plugins'), { recursive: true })
    const installed = await cli(
      [
        'plugins',
        'install',
        path.join(repoRoot, 'test/fixtures/user-plugins/acme-greet'),
        `--data-dir=${dataDir}`,
      ],
      {
        FLOWBENCH_DATA_DIR: defaultDir,
      },
    )
    expect(installed.code).toBe(0)
    const flowFile = path.join(dataDir, 'greet.flow.json')
    writeFileSync(
      flowFile,
      JSON.stringify(
        buildFlow(
          [
            ['start', 'trigger.manual'],
            ['hi', 'acme.greet', { greeting: 'Hey' }],
          ],
          ['start.payload -> hi'],
        ),
      ),
    )
    for (const form of [[`--data-dir=${dataDir}`], ['--data-dir', dataDir]]) {
      const { code, stdout, stderr } = await cli(['run', flowFile, '--json', ...form], {
        FLOWBENCH_DATA_DIR: defaultDir,
      })
      expect(code, `${form.join(' ')}: ${stderr}`).toBe(0)
      expect(JSON.parse(stdout).status).toBe('succeeded')
    }
    // Nothing went to the default directory.
    const listed = await cli(['plugins', 'list', '--json'], { FLOWBENCH_DATA_DIR: defaultDir })
    expect(listed.stdout).not.toContain('acme.greet')
  })
})
