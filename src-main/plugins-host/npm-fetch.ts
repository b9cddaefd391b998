/**
 * Fetches a plugin package by name (`flowbench plugins install <name>[@version]`) with the
 * user's own npm, so their registry, proxy and auth settings apply, and checks the tarball
 * against the registry's published integrity before anything is unpacked.
 *
 * npm already verifies what it downloads; the hash is checked here again because what Flowbench
 * installs is the file on disk, and because the hash it shows the user must be the one the
 * registry vouches for.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

export interface FetchedPackage {
  name: string
  version: string
  /** Bytes of the tarball. */
  size: number
  /** The registry's `dist.integrity`, checked against the file (`sha512-…`). */
  integrity: string
  file: string
  /** Removes the downloaded tarball. */
  cleanup(): Promise<void>
}

export class PackageFetchError extends Error {}

// npm's own rules for names: lower case, optional @scope/, no path or URL characters.
const NAME = String.raw`(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*`
const SPEC = new RegExp(String.raw`^(${NAME})(?:@([A-Za-z0-9.^~<>=|*+ -]{1,64}))?$`)

/** `name`, `name@1.2.3`, `@scope/name@^1` — a registry package, not a path, URL or git spec. */
export function parsePackageSpec(spec: string): { name: string; range: string | null } | null {
  const match = SPEC.exec(spec)
  if (!match || spec.length > 214 + 65) return null
  return { name: match[1]!, range: match[2]?.trim() || null }
}

function run(
  npm: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      npm,
      args,
      // No shell: the spec is one argument whatever it holds. The update check would call home.
      {
        cwd,
        env: {
          ...env,
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
        },
        timeout: timeoutMs,
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        if (error) {
          const lines = String(stderr)
            .split('\n')
            .filter((l) => /npm (error|ERR!)/.test(l))
            .slice(0, 4)
          reject(
            new PackageFetchError(
              lines.map((l) => l.replace(/^npm (error|ERR!)\s*/, '')).join('; ') || error.message,
            ),
          )
        } else resolve(String(stdout))
      },
    )
  })
}

function firstJson(text: string): unknown {
  const start = text.search(/[[{]/)
  if (start < 0) throw new PackageFetchError('npm printed no JSON')
  return JSON.parse(text.slice(start))
}

/** The sha512 SRI of a file, as registries publish it. */
export function sriOf(bytes: Uint8Array, algorithm: 'sha512' | 'sha1' = 'sha512'): string {
  return `${algorithm}-${createHash(algorithm).update(bytes).digest('base64')}`
}

/** Downloads `spec` with `npm pack`, then checks it against `npm view … dist`. */
export async function fetchPackage(
  spec: string,
  options: { env?: NodeJS.ProcessEnv; npm?: string; timeoutMs?: number } = {},
): Promise<FetchedPackage> {
  const parsed = parsePackageSpec(spec)
  if (!parsed) throw new PackageFetchError(`"${spec}" is not a package name (name or name@version)`)
  const npm = options.npm ?? (process.platform === 'win32' ? 'npm.cmd' : 'npm')
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? 120_000
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowbench-npm-'))
  const cleanup = () => rm(dir, { recursive: true, force: true })
  try {
    const packed = firstJson(
      await run(
        npm,
        ['pack', spec, '--json', '--ignore-scripts', '--pack-destination', dir],
        dir,
        env,
        timeoutMs,
      ),
    ) as { name?: string; version?: string; filename?: string }[]
    const entry = packed[0]
    if (!entry?.name || !entry.version || !entry.filename)
      throw new PackageFetchError('npm pack did not name the tarball it wrote')
    if (entry.name !== parsed.name)
      throw new PackageFetchError(`asked for ${parsed.name}, npm fetched ${entry.name}`)
    const file = path.join(dir, path.basename(entry.filename))
    const bytes = await readFile(file)
    const dist = firstJson(
      await run(
        npm,
        ['view', `${entry.name}@${entry.version}`, 'dist', '--json'],
        dir,
        env,
        timeoutMs,
      ),
    ) as { integrity?: string; shasum?: string }
    const published = (dist.integrity ?? '').split(/\s+/).find((h) => h.startsWith('sha512-'))
    if (published) {
      if (sriOf(bytes) !== published)
        throw new PackageFetchError(
          `${entry.name}@${entry.version}: the tarball's sha512 does not match the registry's integrity; nothing was installed`,
        )
    } else if (dist.shasum) {
      if (createHash('sha1').update(bytes).digest('hex') !== dist.shasum)
        throw new PackageFetchError(
          `${entry.name}@${entry.version}: the tarball's sha1 does not match the registry's shasum; nothing was installed`,
        )
    } else {
      throw new PackageFetchError(
        `${entry.name}@${entry.version}: the registry publishes no integrity hash, so the download cannot be checked`,
      )
    }
    return {
      name: entry.name,
      version: entry.version,
      size: bytes.length,
      integrity: published ?? sriOf(bytes),
      file,
      cleanup,
    }
  } catch (error) {
    await cleanup()
    if (error instanceof PackageFetchError) throw error
    throw new PackageFetchError((error as Error).message)
  }
}
