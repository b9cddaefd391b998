// Builds the renderer for browser mode (and the end-to-end tests) when any source is newer than the build.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const output = path.join(root, 'out', 'renderer', 'index.html')

function newestMtime(dir) {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full))
    else newest = Math.max(newest, statSync(full).mtimeMs)
  }
  return newest
}

export function buildRendererIfStale() {
  const sources = ['src-renderer', 'src-shared', 'plugins']
    .map((d) => path.join(root, d))
    .filter(existsSync)
  const sourceTime = Math.max(
    ...sources.map(newestMtime),
    statSync(path.join(root, 'vite.renderer.config.ts')).mtimeMs,
  )
  if (existsSync(output) && statSync(output).mtimeMs >= sourceTime) return
  console.log('Building the renderer…')
  const result = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules/vite/bin/vite.js'),
      'build',
      '--config',
      'vite.renderer.config.ts',
      '--logLevel',
      'warn',
    ],
    {
      cwd: root,
      stdio: 'inherit',
    },
  )
  if (result.status !== 0) {
    // A failed build must not pass for a fresh one next time.
    rmSync(output, { force: true })
    process.exit(result.status ?? 1)
  }
}

if (import.meta.url === `file://${process.argv[1]}`) buildRendererIfStale()
