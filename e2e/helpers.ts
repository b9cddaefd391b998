/**
 * Page helpers for the end-to-end tests: Debian's Chromium driven by playwright-core against
 * the web host, one fresh data directory per test.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { chromium } from 'playwright-core'
import { createApiHandlers } from '../src-main/api/handlers'
import type { AppContext } from '../src-main/app-context'
import { createAppContext } from '../src-main/app-context'
import type { WebHost } from '../src-main/web-host/server'
import { startWebHost } from '../src-main/web-host/server'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  })
}

export interface AppUnderTest {
  host: WebHost
  app: AppContext
  dataDir: string
  page: Page
  /** Messages the page logged as errors; a test can assert there were none. */
  pageErrors: string[]
  close(): Promise<void>
}

export async function openApp(browser: Browser, dataDir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-e2e-'))): Promise<AppUnderTest> {
  const app = await createAppContext({ dataDir, mode: 'web' })
  const host = await startWebHost({ handlers: createApiHandlers(app), staticDir: path.join(repoRoot, 'out', 'renderer'), port: 0 })
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${host.port}` })
  // tsx (used by the bench) names functions with a __name helper that pages do not have.
  await context.addInitScript('globalThis.__name = (fn) => fn')
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (error) => pageErrors.push(error.message))
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text())
  })
  await page.goto(host.url)
  await page.getByTestId('shell').waitFor()
  return {
    host,
    app,
    dataDir,
    page,
    pageErrors,
    async close() {
      await context.close()
      await host.close()
      await app.close()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
