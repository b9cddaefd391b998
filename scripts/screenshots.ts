/**
 * Takes the README's screenshots, each in a fresh app (its own data directory) driven through the
 * web host, as the end-to-end tests drive it:
 *
 *   npm run build:web   (or: node scripts/build-web.js)
 *   node bin/run-ts.js scripts/screenshots.ts                  every shot
 *   node bin/run-ts.js scripts/screenshots.ts failing-case     only the named ones
 *   SHOTS_DIR=/tmp/shots node bin/run-ts.js scripts/screenshots.ts   somewhere else
 *
 * Shots go to docs/ (the designer overview) and docs/screenshots/ (the analyst's loop). Look at
 * each PNG after a change to the UI: a shot that waits for the wrong thing still writes a file.
 */
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { openFlow, revealNode, selectNode, waitForCanvasDrawn } from '../e2e/designer-helpers'
import type { AppUnderTest } from '../e2e/helpers'
import { launchBrowser, openApp } from '../e2e/helpers'
import type { Flow } from '../src-shared/flow/types'

const out = process.env.SHOTS_DIR ?? 'docs'

function sample(name: string): Flow {
  return JSON.parse(readFileSync(`resources/samples/${name}/flow.json`, 'utf8')) as Flow
}

/** Lets fonts, fit-view and transitions settle: a shot is of what a person would see. */
async function settle(page: Page, ms = 400): Promise<void> {
  await page.evaluate(() => document.fonts.ready)
  await page.waitForTimeout(ms)
}

async function shoot(page: Page, file: string): Promise<void> {
  const target = path.join(out, file)
  mkdirSync(path.dirname(target), { recursive: true })
  await page.screenshot({ path: target })
  console.log(`  ${target}`)
}

/** Opens a sample as an existing flow; `edit` may change it first (a failing case, a deploy). */
async function withSample(app: AppUnderTest, name: string, edit?: (flow: Flow) => void) {
  const flow = sample(name)
  edit?.(flow)
  app.app.store.createFlow(flow)
  await app.page.reload()
  await openFlow(app.page, flow.id)
  await waitForCanvasDrawn(app.page, flow.nodes.length, { allOnScreen: false })
}

const shots: Record<string, (app: AppUnderTest) => Promise<void>> = {
  /** The designer: a sample flow and a node's form. */
  async designer(app) {
    await withSample(app, 'ticket-router')
    await selectNode(app.page, 'priority')
    await settle(app.page)
    await shoot(app.page, 'screenshot.png')
  },

  async 'json-tab'(app) {
    const { page } = app
    await withSample(app, 'ticket-router')
    await selectNode(page, 'message')
    await page.getByTestId('inspector-tab-json').click()
    await page.getByTestId('json-editor').locator('.monaco-editor').waitFor()
    await settle(page, 600)
    await shoot(page, 'json-tab.png')
  },

  async 'test-bench'(app) {
    const { page } = app
    await withSample(app, 'ticket-router')
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('run-all').click()
    await page.getByTestId('test-summary').getByText('passed').waitFor()
    await page.getByTestId('case-0').locator('.case-open').click()
    await page.getByTestId('tab-trace').click()
    await page.getByTestId('timeline-message').click()
    await settle(page)
    await shoot(page, 'test-bench.png')
  },

  /** First launch: an empty app offers the samples. */
  async examples(app) {
    const { page } = app
    await page.getByTestId('empty-state').waitFor()
    await page.getByTestId('examples-menu').click()
    await settle(page)
    await shoot(page, 'screenshots/examples.png')
  },

  /** "Run with…": a pasted event and a starting profile. */
  async 'run-with'(app) {
    const { page } = app
    await withSample(app, 'vip-tagging')
    await page.getByTestId('run-with-button').click()
    const dialog = page.getByTestId('run-with-dialog')
    await dialog.getByTestId('run-with-source-json').check()
    await dialog
      .getByTestId('run-with-event')
      .fill(
        JSON.stringify({ type: 'purchase', properties: { orderId: 'P-9', total: 150 } }, null, 2),
      )
    await dialog
      .getByTestId('run-with-profile')
      .fill(JSON.stringify({ traits: { name: 'Grace', totalSpent: 900 } }))
    await settle(page)
    await shoot(page, 'screenshots/run-with.png')
  },

  /** A template field previews its value against the selected sample event and profile. */
  async 'expression-preview'(app) {
    const { page } = app
    await withSample(app, 'vip-tagging')
    await selectNode(page, 'threshold')
    const form = page.getByTestId('inspector-form')
    await form.getByTestId('preview-root_condition').waitFor()
    await revealNode(page, 'welcome')
    await selectNode(page, 'welcome')
    await form.getByTestId('preview-root_message').getByText('Ada is now VIP').waitFor()
    await settle(page)
    await shoot(page, 'screenshots/expression-preview.png')
  },

  /**
   * A failing case: its expectation, what the run did, and the path painted on the canvas. The
   * threshold is raised, so "A big purchase makes a VIP" no longer reaches the VIP nodes.
   */
  async 'failing-case'(app) {
    const { page } = app
    await withSample(app, 'vip-tagging', (flow) => {
      flow.nodes.find((n) => n.id === 'threshold')!.config = {
        condition: 'profile.traits.totalSpent >= 5000',
      }
    })
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('run-all').click()
    await page.getByTestId('test-summary').getByText('1 failed').waitFor()
    await page.getByTestId('case-0').locator('.case-open').click()
    await page.getByTestId('case-failure').waitFor()
    await settle(page, 600)
    await shoot(page, 'screenshots/failing-case.png')
  },
}

const wanted = process.argv.slice(2)
for (const name of wanted)
  if (!(name in shots)) {
    console.error(`No shot named "${name}"; there are: ${Object.keys(shots).join(', ')}`)
    process.exit(2)
  }

const browser: Browser = await launchBrowser()
try {
  for (const [name, take] of Object.entries(shots)) {
    if (wanted.length > 0 && !wanted.includes(name)) continue
    const app = await openApp(browser, mkdtempSync(path.join(os.tmpdir(), 'fb-shots-')))
    try {
      await app.page.emulateMedia({ colorScheme: 'dark' })
      await app.page.evaluate(() => {
        localStorage.setItem('flowbench.theme', 'dark')
        // Room for the test bench and the trace under the canvas.
        localStorage.setItem('flowbench.panels', JSON.stringify({ inspector: 360, bottom: 330 }))
      })
      await app.page.reload()
      await app.page.getByTestId('shell').waitFor()
      await take(app)
    } finally {
      await app.close()
    }
  }
} finally {
  await browser.close()
}
