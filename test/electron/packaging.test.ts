/**
 * The packaging config (electron-builder.yml) as the installers will use it. Installers cannot be
 * built here (electron-builder downloads Electron), so this holds the config to what the app needs:
 * its targets, its file associations, and every file that must live outside app.asar, which must
 * exist where the globs say.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../fixtures/flows'

const config = readFileSync(path.join(repoRoot, 'electron-builder.yml'), 'utf8')
// Comments dropped: a whole-line comment, or one after a value (` #`); none of ours has `#` in a value.
const lines = config
  .split('\n')
  .map((line) => (line.trimStart().startsWith('#') ? '' : line.split(' #')[0]!.trimEnd()))

/** The lines of a top-level block, or of a key nested one level in one. */
function block(key: string): string[] {
  const start = lines.findIndex((line) => line === `${key}:`)
  if (start < 0) return []
  const body: string[] = []
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break
    if (line.trim()) body.push(line)
  }
  return body
}

const items = (body: string[]) =>
  body.filter((l) => /^\s+- /.test(l)).map((l) => l.replace(/^\s+- /, '').replace(/^'(.*)'$/, '$1'))

/** A glob of `*` (within a segment) and `**` (any depth) as a pattern for relative paths. */
function globPattern(glob: string): RegExp {
  const segments = glob
    .split('/')
    .map((segment) =>
      segment === '**'
        ? '.*'
        : segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*'),
    )
  return new RegExp(`^${segments.join('/')}$`)
}

/** The repository's files a glob matches. */
function matches(glob: string): string[] {
  const pattern = globPattern(glob)
  const fixed = glob.split('/').findIndex((segment) => segment.includes('*'))
  const base = glob.split('/').slice(0, fixed).join('/')
  const found: string[] = []
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(repoRoot, dir), { withFileTypes: true })) {
      const relative = `${dir}/${entry.name}`
      if (entry.isDirectory()) walk(relative)
      else if (pattern.test(relative)) found.push(relative)
    }
  }
  if (existsSync(path.join(repoRoot, base))) walk(base)
  return found
}

describe('the installers', () => {
  it('are AppImage and deb for Linux, dmg for macOS and NSIS for Windows', () => {
    expect(items(block('linux'))).toEqual(['AppImage', 'deb'])
    expect(items(block('mac'))).toEqual(['dmg'])
    expect(items(block('win'))).toEqual(['nsis'])
  })

  it('open .flow.json and .flowbundle files with Flowbench', () => {
    const extensions = block('fileAssociations')
      .map((l) => /^\s+(?:- )?ext:\s*(\S+)/.exec(l)?.[1])
      .filter(Boolean)
    expect(extensions).toEqual(['flow.json', 'flowbundle'])
  })

  it('keep native code, the sandboxes’ entry files and their WebAssembly outside app.asar', () => {
    const unpacked = items(block('asarUnpack'))
    expect(unpacked).toEqual(
      expect.arrayContaining([
        'native/**',
        'out/main/*.mjs',
        'node_modules/pyodide/**',
        'node_modules/@jitl/quickjs-wasmfile-*/dist/*.wasm',
      ]),
    )
    expect(matches('node_modules/pyodide/**')).toEqual(
      expect.arrayContaining([
        'node_modules/pyodide/pyodide.asm.wasm',
        'node_modules/pyodide/python_stdlib.zip',
      ]),
    )
    expect(matches('node_modules/@jitl/quickjs-wasmfile-*/dist/*.wasm')).toContain(
      'node_modules/@jitl/quickjs-wasmfile-release-sync/dist/emscripten-module.wasm',
    )
  })

  it('unpack exactly the sandbox files the main build writes beside its bundle', () => {
    // The files electron.vite.config.ts copies next to out/main/index.js (SANDBOX_FILES).
    const viteConfig = readFileSync(path.join(repoRoot, 'electron.vite.config.ts'), 'utf8')
    const copied = [...viteConfig.matchAll(/'code\.\w+\/([\w.-]+)'/g)].map((m) => m[1]!)
    expect(copied.length).toBeGreaterThan(0)
    const unpacked = items(block('asarUnpack'))
    for (const file of copied) {
      expect(
        unpacked.some((glob) => globPattern(glob).test(`out/main/${file}`)),
        file,
      ).toBe(true)
    }
  })

  it('have an icon electron-builder can turn into .icns and .ico (a PNG of at least 512 px)', () => {
    const png = readFileSync(path.join(repoRoot, 'resources/icon.png'))
    expect(png.subarray(1, 4).toString()).toBe('PNG')
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512)
  })

  it('are built by `npm run dist` with the Electron build of better-sqlite3 and electron-builder fetched then, not installed', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
      dependencies: Record<string, string>
      devDependencies: Record<string, string>
    }
    expect(pkg.scripts.dist).toMatch(/npm run build/)
    expect(pkg.scripts.dist).toMatch(/prepare-electron/)
    expect(pkg.scripts.dist).toMatch(/npx (--yes )?electron-builder/)
    for (const name of ['electron-builder', '@electron/fuses']) {
      expect(pkg.dependencies[name]).toBeUndefined()
      expect(pkg.devDependencies[name]).toBeUndefined()
    }
    expect(config).toMatch(/^npmRebuild: false$/m)
  })

  it('are built for every platform on its own runner by the release workflow', () => {
    const workflow = readFileSync(path.join(repoRoot, '.github/workflows/release.yml'), 'utf8')
    for (const runner of ['ubuntu-latest', 'macos-latest', 'windows-latest'])
      expect(workflow).toContain(runner)
    expect(workflow).toMatch(/npm run dist/)
    expect(workflow).toMatch(/npm test/)
  })
})
