/**
 * `flowbench plugins install <package>@<version>`: the connector in packages/ is built, packed
 * with npm, served by a registry on loopback (npm's own client talks to it, as it would to a
 * company registry or proxy), installed only with consent, refused when its hash is wrong, and
 * then run against a real Redis.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { closeAllConnections } from '../../plugins/shared/connections'
import { main } from '../../src-main/cli/main'
import { Engine } from '../../src-main/engine/runner'
import { PluginInstaller, pluginsDirOf } from '../../src-main/plugins-host/installer'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { repoRoot } from '../fixtures/flows'
import { runNode } from '../fixtures/run-node'
import { tempDir } from '../security/serve-helpers'
import { environmentWith, secretFromUrl, testServer } from '../servers'

const NAME = 'flowbench-plugin-redis-stream'
const VERSION = '1.0.0'
const REDIS_URL = testServer('redis')

/** Builds and packs packages/flowbench-plugin-redis-stream; returns the tarball's bytes. */
function packConnector(): Buffer {
  const work = tempDir('fb-pack-')
  const source = path.join(repoRoot, 'packages', NAME)
  const pkg = path.join(work, 'package')
  mkdirSync(pkg)
  for (const file of ['package.json', 'README.md'])
    cpSync(path.join(source, file), path.join(pkg, file))
  execFileSync(process.execPath, [path.join(source, 'build.mjs'), path.join(pkg, 'dist')], {
    cwd: repoRoot,
  })
  const out = execFileSync(
    'npm',
    ['pack', pkg, '--json', '--ignore-scripts', '--pack-destination', work],
    { cwd: work, env: { ...process.env, npm_config_update_notifier: 'false' } },
  ).toString()
  const [{ filename }] = JSON.parse(out.slice(out.indexOf('['))) as { filename: string }[]
  return readFileSync(path.join(work, filename))
}

/** A registry on loopback serving one package; `tamper` serves other bytes than it vouches for. */
async function startRegistry(tarball: Buffer, options: { tamper?: boolean } = {}) {
  const integrity = `sha512-${createHash('sha512').update(tarball).digest('base64')}`
  const shasum = createHash('sha1').update(tarball).digest('hex')
  const served = options.tamper ? Buffer.concat([tarball, Buffer.from('tampered')]) : tarball
  const tarPath = `/${NAME}/-/${NAME}-${VERSION}.tgz`
  const requests: string[] = []
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`)
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    if (req.url === `/${NAME}`) {
      res.setHeader('content-type', 'application/json')
      res.end(
        JSON.stringify({
          name: NAME,
          'dist-tags': { latest: VERSION },
          versions: {
            [VERSION]: {
              name: NAME,
              version: VERSION,
              dist: { tarball: `${base}${tarPath}`, integrity, shasum },
            },
          },
        }),
      )
    } else if (req.url === tarPath) {
      res.setHeader('content-type', 'application/octet-stream')
      res.end(served)
    } else {
      res.statusCode = 404
      res.end('{}')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    integrity,
    requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

function npmEnv(registry: string): NodeJS.ProcessEnv {
  const home = tempDir('fb-npm-home-')
  const userconfig = path.join(home, '.npmrc')
  writeFileSync(userconfig, '')
  return {
    ...process.env,
    npm_config_registry: registry,
    npm_config_cache: path.join(home, 'cache'),
    npm_config_userconfig: userconfig,
  }
}

async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    io: { out: (t) => (stdout += t + '\n'), err: (t) => (stderr += t + '\n') },
    env,
  })
  return { code, stdout, stderr }
}

// npm starts in seconds, not milliseconds, and each install runs it twice (pack, view).
describe('plugins installed by name', { timeout: 60_000 }, () => {
  let tarball: Buffer
  beforeAll(() => {
    tarball = packConnector()
  }, 60_000)
  afterAll(() => closeAllConnections())

  it('shows name, version, size and hash, and installs only with --yes', async () => {
    const registry = await startRegistry(tarball)
    const dataDir = tempDir('fb-plugins-by-name-')
    try {
      const env = npmEnv(registry.url)
      const refused = await cli(
        ['plugins', 'install', `${NAME}@${VERSION}`, '--data-dir', dataDir],
        env,
      )
      expect(refused.code).toBe(1)
      expect(refused.stdout).toContain(`${NAME}@${VERSION}`)
      expect(refused.stdout).toContain(registry.integrity)
      expect(refused.stdout).toContain(` ${(tarball.length / 1024).toFixed(1)} KiB `)
      expect(refused.stderr).toMatch(/refused.*Nothing was written.*--yes/)
      expect(existsSync(path.join(pluginsDirOf(dataDir), 'redis.xadd'))).toBe(false)
      // npm fetched through the configured registry, not from anywhere else.
      expect(registry.requests).toContain(`GET /${NAME}/-/${NAME}-${VERSION}.tgz`)

      const installed = await cli(
        ['plugins', 'install', `${NAME}@${VERSION}`, '--yes', '--data-dir', dataDir],
        env,
      )
      expect(installed.stderr).toBe('')
      expect(installed.code).toBe(0)
      expect(installed.stdout).toContain(
        `Installed redis.xadd@1.0.0 (Redis stream add) from ${NAME}@${VERSION}`,
      )
      const listed = await cli(['plugins', 'list', '--json', '--data-dir', dataDir], env)
      expect(JSON.parse(listed.stdout)).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ id: 'redis.xadd', version: '1.0.0', origin: 'user' }),
        ]),
      )
    } finally {
      await registry.close()
    }
  })

  it('refuses a tarball whose hash is not the one the registry publishes', async () => {
    const registry = await startRegistry(tarball, { tamper: true })
    const dataDir = tempDir('fb-plugins-tampered-')
    try {
      const result = await cli(
        ['plugins', 'install', `${NAME}@${VERSION}`, '--yes', '--data-dir', dataDir],
        npmEnv(registry.url),
      )
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/integrity|sha512/i)
      expect(existsSync(path.join(pluginsDirOf(dataDir), 'redis.xadd'))).toBe(false)
    } finally {
      await registry.close()
    }
  })

  it('a name that is a path, URL or git spec is not fetched from a registry', async () => {
    for (const spec of [
      'git+https://example.com/x.git',
      'https://example.com/x.tgz',
      '../x',
      'Flowbench_UPPER',
    ]) {
      const result = await cli(
        ['plugins', 'install', spec, '--yes', '--data-dir', tempDir('fb-plugins-spec-')],
        npmEnv('http://127.0.0.1:9/'),
      )
      expect(result.code, spec).not.toBe(0)
      expect(result.stderr, spec).not.toMatch(/npm/)
    }
  })

  it.skipIf(!REDIS_URL)('the installed connector runs against a real Redis', async () => {
    const registry = await startRegistry(tarball)
    const dataDir = tempDir('fb-plugins-run-')
    try {
      expect(
        (
          await cli(
            ['plugins', 'install', `${NAME}@${VERSION}`, '--yes', '--data-dir', dataDir],
            npmEnv(registry.url),
          )
        ).code,
      ).toBe(0)
    } finally {
      await registry.close()
    }
    // A later start: the plugin is loaded from the data directory because its install was trusted.
    const plugins = PluginRegistry.withBuiltins()
    const { loaded, refused } = await new PluginInstaller({
      pluginsDir: pluginsDirOf(dataDir),
      registry: plugins,
    }).loadAll()
    expect(refused).toEqual([])
    expect(loaded.map((p) => p.id)).toEqual(['redis.xadd'])
    const stream = `fb-test-stream-${process.pid}`
    const engine = new Engine({
      plugins,
      environment: environmentWith({ cache: secretFromUrl(REDIS_URL!) }),
    })
    const { node } = await runNode(
      engine,
      'redis.xadd',
      { connection: 'secret@cache', stream, fields: { type: 'event@type', n: 2 } },
      { event: { type: 'purchase' } },
    )
    expect(node.status).toBe('ok')
    const admin = new Redis(REDIS_URL!)
    try {
      const entries = await admin.xrange(stream, '-', '+')
      expect(entries.map(([, fields]) => fields)).toEqual([['type', 'purchase', 'n', '2']])
      expect(node.outputs[0]!.value).toEqual({ stream, id: entries[0]![0] })
    } finally {
      await admin.del(stream)
      await admin.quit()
    }
  })
})
