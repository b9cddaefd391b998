/**
 * Finds a Chromium for the end-to-end tests, so `npm install && npm test` runs on a fresh
 * machine: CHROMIUM_PATH; a system Chromium or Chrome; a browser Playwright installed; and last
 * the Chromium that ships inside the optional @sparticuz/chromium package (Linux x64/arm64).
 */
import { existsSync } from 'node:fs'
import path from 'node:path'

export interface BrowserChoice {
  executablePath: string
  /** Launch arguments this browser needs besides Playwright's own. */
  args: string[]
  source: 'CHROMIUM_PATH' | 'system' | 'playwright' | '@sparticuz/chromium'
}

export interface FindBrowserOptions {
  env?: Record<string, string | undefined>
  /** Absolute paths tried first among system browsers (Debian, Fedora, macOS). */
  systemPaths?: string[]
  /** Names looked up on env.PATH. */
  pathNames?: string[]
  /** Where Playwright keeps its own Chromium, if it has one. */
  playwrightPath?: () => string | null
  /** Unpacks @sparticuz/chromium's build, or null where it cannot run. */
  sparticuz?: () => Promise<{ executablePath: string; args: string[] } | null>
  exists?: (file: string) => boolean
}

export const SYSTEM_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
]

export const PATH_NAMES = [
  'chromium',
  'chromium-browser',
  'google-chrome',
  'google-chrome-stable',
  'chrome',
]

/** The args every browser gets: quiet, no sandbox (containers), no network beyond the page. */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export const NO_BROWSER_MESSAGE =
  'No Chromium found for the end-to-end tests: install one (Debian: apt-get install chromium), set CHROMIUM_PATH, or run `npx playwright-core install chromium`.'

/** @sparticuz/chromium's args minus those that would weaken what the tests check (same-origin rules). */
const SPARTICUZ_DROPPED = new Set([
  '--disable-web-security',
  '--allow-running-insecure-content',
  "--headless='shell'",
  '--headless=shell',
  '--headless',
])

async function defaultSparticuz(): Promise<{ executablePath: string; args: string[] } | null> {
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return null
  try {
    const chromium = (await import('@sparticuz/chromium')).default
    return {
      executablePath: await chromium.executablePath(),
      args: chromium.args.filter((a) => !SPARTICUZ_DROPPED.has(a)),
    }
  } catch {
    // Optional dependency: absent (or unusable) means this fallback does not apply.
    return null
  }
}

async function defaultPlaywrightPath(): Promise<string | null> {
  try {
    const { chromium } = await import('playwright-core')
    return chromium.executablePath()
  } catch {
    return null
  }
}

export async function findBrowser(options: FindBrowserOptions = {}): Promise<BrowserChoice> {
  const env = options.env ?? process.env
  const exists = options.exists ?? existsSync
  const fromEnv = env.CHROMIUM_PATH
  if (fromEnv) {
    if (!exists(fromEnv))
      throw new Error(
        `CHROMIUM_PATH is ${fromEnv}, which does not exist; point it at a Chromium or Chrome binary, or unset it.`,
      )
    return { executablePath: fromEnv, args: BASE_ARGS, source: 'CHROMIUM_PATH' }
  }
  const onPath = (env.PATH ?? '')
    .split(path.delimiter)
    .filter(Boolean)
    .flatMap((dir) => (options.pathNames ?? PATH_NAMES).map((name) => path.join(dir, name)))
  for (const candidate of [...(options.systemPaths ?? SYSTEM_PATHS), ...onPath]) {
    if (exists(candidate)) return { executablePath: candidate, args: BASE_ARGS, source: 'system' }
  }
  const managed = options.playwrightPath ? options.playwrightPath() : await defaultPlaywrightPath()
  if (managed && exists(managed))
    return { executablePath: managed, args: BASE_ARGS, source: 'playwright' }
  const bundled = await (options.sparticuz ?? defaultSparticuz)()
  if (bundled && exists(bundled.executablePath))
    return {
      executablePath: bundled.executablePath,
      args: bundled.args,
      source: '@sparticuz/chromium',
    }
  throw new Error(NO_BROWSER_MESSAGE)
}
