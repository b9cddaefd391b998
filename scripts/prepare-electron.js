// `npm start` runs this first: builds better-sqlite3 for Electron's ABI into native/electron-<version>/
// and leaves node_modules/better-sqlite3 (built for the system Node, used by `npm test` and the CLI)
// untouched. The Electron entry opens the database with `nativeBinding` pointing at this copy.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const electronVersion = JSON.parse(
  readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8'),
).version
const targetDir = path.join(root, 'native', `electron-${electronVersion}`)
const target = path.join(targetDir, 'better_sqlite3.node')

if (existsSync(target)) process.exit(0)

console.log(`Preparing better-sqlite3 for Electron ${electronVersion} (once)…`)
const work = mkdtempSync(path.join(os.tmpdir(), 'flowbench-native-'))
const source = path.join(root, 'node_modules/better-sqlite3')
cpSync(source, path.join(work, 'better-sqlite3'), {
  recursive: true,
  filter: (p) => !p.includes(`${path.sep}build${path.sep}`) && !p.endsWith(`${path.sep}build`),
})
const pkgDir = path.join(work, 'better-sqlite3')

function attempt(command, args) {
  const result = spawnSync(command, args, {
    cwd: pkgDir,
    stdio: 'inherit',
    env: {
      ...process.env,
      npm_config_runtime: 'electron',
      npm_config_target: electronVersion,
      npm_config_disturl: 'https://electronjs.org/headers',
    },
  })
  return (
    result.status === 0 && existsSync(path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node'))
  )
}

const prebuild = path.join(root, 'node_modules/prebuild-install/bin.js')
const nodeGyp = path.join(
  path.dirname(process.execPath),
  '..',
  'lib',
  'node_modules',
  'npm',
  'node_modules',
  'node-gyp',
  'bin',
  'node-gyp.js',
)
const ok =
  (existsSync(prebuild) &&
    attempt(process.execPath, [prebuild, '--runtime', 'electron', '--target', electronVersion])) ||
  attempt(process.execPath, [
    existsSync(nodeGyp) ? nodeGyp : 'node-gyp',
    'rebuild',
    '--release',
    `--target=${electronVersion}`,
    '--dist-url=https://electronjs.org/headers',
  ])

if (!ok) {
  console.error(
    'Could not build better-sqlite3 for Electron (this needs the network once). The desktop app cannot open its database until it succeeds; `npm run web` and the CLI work without it.',
  )
  rmSync(work, { recursive: true, force: true })
  process.exit(1)
}
mkdirSync(targetDir, { recursive: true })
cpSync(path.join(pkgDir, 'build', 'Release', 'better_sqlite3.node'), target)
rmSync(work, { recursive: true, force: true })
console.log(`Built ${path.relative(root, target)}`)
