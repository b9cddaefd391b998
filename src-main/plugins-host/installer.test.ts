import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { createTarGzip } from 'nanotar'
import { describe, expect, it } from 'vitest'
import { validateFlow } from '../../src-shared/flow/validate'
import { buildFlow, repoRoot } from '../../test/fixtures/flows'
import { main } from '../cli/main'
import { Engine } from '../engine/runner'
import { PluginInstaller } from './installer'
import { PluginRegistry } from './registry'
import { runTestTemplate } from './test-template'

const fixtures = path.join(repoRoot, 'test/fixtures/user-plugins')
const fresh = () => {
  const registry = PluginRegistry.withBuiltins()
  const pluginsDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'fb-plugins-')), 'plugins')
  return { registry, installer: new PluginInstaller({ pluginsDir, registry }), pluginsDir }
}
const greetFlow = buildFlow(
  [
    ['start', 'trigger.manual'],
    ['hello', 'acme.greet', { greeting: 'Welcome' }],
  ],
  ['start.payload -> hello'],
)

/** A hand-made ustar archive, so the test controls every header (archivers clean paths up). */
function rawTar(files: [string, string][]): Buffer {
  const blocks: Buffer[] = []
  for (const [name, content] of files) {
    const header = Buffer.alloc(512)
    header.write(name, 0, 100, 'utf8')
    header.write('0000644\0', 100)
    header.write('0000000\0', 108)
    header.write('0000000\0', 116)
    header.write(content.length.toString(8).padStart(11, '0') + '\0', 124)
    header.write('00000000000\0', 136)
    header.write('        ', 148)
    header.write('0', 156)
    header.write('ustar\u000000', 257)
    let sum = 0
    for (const byte of header) sum += byte
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
    const body = Buffer.alloc(Math.ceil(content.length / 512) * 512)
    body.write(content)
    blocks.push(header, body)
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

async function tarball(dir: string): Promise<string> {
  const files = ['package.json', 'index.js'].map((name) => ({
    name: `package/${name}`,
    data: readFileSync(path.join(dir, name)),
  }))
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'fb-tgz-')), 'plugin.tgz')
  writeFileSync(file, await createTarGzip(files))
  return file
}

describe('plugin installer', () => {
  it('installs from a folder and the plugin runs at once, without a restart', async () => {
    const { registry, installer } = fresh()
    const installed = await installer.install(path.join(fixtures, 'acme-greet'))
    expect(installed).toMatchObject({ id: 'acme.greet', version: '1.0.0' })
    const engine = new Engine({ plugins: registry })
    const report = await engine.run(engine.load(greetFlow), {
      event: {},
      profile: { traits: { name: 'Ann' } },
    })
    expect(report.nodes[1]!.outputs[0]!.value).toMatchObject({ greeting: 'Welcome Ann' })
    expect(await runTestTemplate(registry.get('acme.greet')!, registry)).toMatchObject({
      passed: true,
    })
    expect(registry.describe().find((p) => p.id === 'acme.greet')!.origin).toBe('user')
  })

  it('installs from an npm tarball', async () => {
    const { registry, installer } = fresh()
    await installer.install(await tarball(path.join(fixtures, 'acme-greet')))
    expect(registry.get('acme.greet')).toBeDefined()
  })

  it('after removal, flows that use it report unknown-plugin', async () => {
    const { registry, installer } = fresh()
    await installer.install(path.join(fixtures, 'acme-greet'))
    expect(validateFlow(greetFlow, { plugins: registry })).toEqual([])
    await installer.remove('acme.greet')
    expect(validateFlow(greetFlow, { plugins: registry }).map((p) => p.code)).toContain(
      'unknown-plugin',
    )
    await expect(installer.remove('flow.if')).rejects.toThrow(/built in/)
  })

  it.each([
    ['acme-invalid', /Plugin acme\.invalid is invalid: .*"version".*"outputs"/],
    [
      'acme-throws',
      /acme-throws: its code threw while loading: ReferenceError: setup is not defined/,
    ],
    ['acme-collides', /Plugin flow\.if collides with the built-in plugin flow\.if/],
  ])(
    'refuses %s with a message naming the plugin and the cause, writing nothing',
    async (name, message) => {
      const { registry, installer, pluginsDir } = fresh()
      await expect(installer.install(path.join(fixtures, name))).rejects.toThrow(message)
      expect(registry.size).toBe(PluginRegistry.withBuiltins().size)
      expect(
        existsSync(pluginsDir)
          ? (await import('node:fs')).readdirSync(pluginsDir).filter((f) => !f.startsWith('.'))
          : [],
      ).toEqual([])
    },
  )

  it('loads what is installed, skipping bad plugins, and reloads changed code', async () => {
    const { registry, installer, pluginsDir } = fresh()
    await installer.install(path.join(fixtures, 'acme-greet'))
    cpSync(path.join(fixtures, 'acme-throws'), path.join(pluginsDir, 'acme-throws'), {
      recursive: true,
    })
    const registry2 = PluginRegistry.withBuiltins()
    const second = new PluginInstaller({ pluginsDir, registry: registry2 })
    const { loaded, refused } = await second.loadAll()
    expect(loaded.map((p) => p.id)).toEqual(['acme.greet'])
    // A folder that was never installed is not run at all (its code would have thrown).
    expect(refused).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('was not installed through Flowbench'),
      }),
    ])

    const file = path.join(pluginsDir, 'acme.greet', 'index.js')
    writeFileSync(file, readFileSync(file, 'utf8').replace("name: 'Greet'", "name: 'Greet v2'"))
    await installer.reload()
    expect(registry.get('acme.greet')!.name).toBe('Greet v2')

    // An installed plugin whose code now throws is skipped with the cause.
    writeFileSync(file, 'setup()\n' + readFileSync(file, 'utf8'))
    const { refused: broken } = await installer.reload()
    expect(broken).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ message: expect.stringContaining('setup is not defined') }),
      ]),
    )
    expect(registry.get('acme.greet')).toBeUndefined()
  })

  it('never writes outside the plugins folder, whatever paths a tarball names', async () => {
    const { installer, pluginsDir } = fresh()
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-tgz-'))
    const file = path.join(dir, 'evil.tgz')
    writeFileSync(
      file,
      gzipSync(
        rawTar([
          ['package/../../evil.js', 'pwned'],
          ['../../../../tmp/evil-flowbench.js', 'pwned'],
        ]),
      ),
    )
    await expect(installer.install(file)).rejects.toThrow(/Plugin at .*evil\.tgz/)
    expect(existsSync(path.join(pluginsDir, '..', 'evil.js'))).toBe(false)
    expect(existsSync('/tmp/evil-flowbench.js')).toBe(false)
  })
})

describe('flowbench plugins', () => {
  it('installs, lists and removes', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-cli-plugins-'))
    let out = ''
    const io = { out: (t: string) => (out += t + '\n'), err: (t: string) => (out += t + '\n') }
    expect(
      await main(['plugins', 'install', path.join(fixtures, 'acme-greet'), '--data-dir', dataDir], {
        io,
      }),
    ).toBe(0)
    out = ''
    expect(await main(['plugins', 'list', '--json', '--data-dir', dataDir], { io })).toBe(0)
    const list = JSON.parse(out) as { id: string; docs: unknown; configSchema: unknown }[]
    expect(list.find((p) => p.id === 'acme.greet')).toMatchObject({
      docs: expect.anything(),
      configSchema: expect.anything(),
    })
    expect(await main(['plugins', 'remove', 'acme.greet', '--data-dir', dataDir], { io })).toBe(0)
    expect(
      await main(
        ['plugins', 'install', path.join(fixtures, 'acme-collides'), '--data-dir', dataDir],
        { io },
      ),
    ).toBe(1)
  })
})
