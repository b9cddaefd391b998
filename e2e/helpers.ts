/**
 * Page helpers for the end-to-end tests: a Chromium (see find-browser.ts) driven by
 * playwright-core against the web host, one fresh data directory per test.
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
import { findBrowser } from './find-browser'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

export async function launchBrowser(): Promise<Browser> {
  const browser = await findBrowser()
  return chromium.launch({
    executablePath: browser.executablePath,
    headless: true,
    args: browser.args,
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

export async function openApp(
  browser: Browser,
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-e2e-')),
): Promise<AppUnderTest> {
  const app = await createAppContext({ dataDir, mode: 'web' })
  const host = await startWebHost({
    handlers: createApiHandlers(app),
    events: app.events,
    staticDir: path.join(repoRoot, 'out', 'renderer'),
    port: 0,
  })
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: `http://127.0.0.1:${host.port}`,
  })
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

/** Starts recording the duration of every animation frame in the page. */
export async function startFrameRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { frames_: number[]; frameEnds_: number[]; stop_: boolean }
    w.frames_ = []
    w.frameEnds_ = []
    w.stop_ = false
    let last = performance.now()
    const tick = (t: number) => {
      w.frames_.push(t - last)
      w.frameEnds_.push(t)
      last = t
      if (!w.stop_) requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  })
}

/**
 * Stops the recorder and returns the frame durations in ms (the first, partial one dropped).
 * With `since`, a page time (performance.now()), only the frames that ended after it count.
 */
export async function stopFrameRecorder(page: Page, since?: number): Promise<number[]> {
  return page.evaluate((since) => {
    const w = window as unknown as { frames_: number[]; frameEnds_: number[]; stop_: boolean }
    w.stop_ = true
    const frames = w.frames_.slice(1)
    const ends = w.frameEnds_.slice(1)
    return since === null ? frames : frames.filter((_, i) => ends[i]! > since)
  }, since ?? null)
}

/**
 * Registers the hooks every end-to-end file needs: one browser per file, a fresh app (web host
 * and data directory) per test, and no page errors allowed. Returns a getter for the app.
 */
export function useAppPerTest(hooks: {
  beforeAll: (fn: () => Promise<void>) => void
  afterAll: (fn: () => Promise<void>) => void
  beforeEach: (fn: () => Promise<void>) => void
  afterEach: (fn: () => Promise<void>) => void
  expectNoPageErrors: (errors: string[]) => void
  setUp?: (app: AppUnderTest) => Promise<void>
}): () => AppUnderTest {
  let browser: Browser
  let app: AppUnderTest
  hooks.beforeAll(async () => {
    browser = await launchBrowser()
  })
  hooks.afterAll(async () => {
    await browser.close()
  })
  hooks.beforeEach(async () => {
    app = await openApp(browser)
    await hooks.setUp?.(app)
  })
  hooks.afterEach(async () => {
    hooks.expectNoPageErrors(app.pageErrors)
    await app.close()
  })
  return () => app
}
