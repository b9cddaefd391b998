/**
 * Takes the README's screenshots: the designer with a sample flow and its form, the JSON tab,
 * and the test bench. Run `node bin/run-ts.js scripts/screenshots.ts` after `npm run build`.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openFlow, selectNode } from '../e2e/designer-helpers'
import { launchBrowser, openApp } from '../e2e/helpers'
import type { Flow } from '../src-shared/flow/types'

const out = process.argv[2] ?? 'docs'
const browser = await launchBrowser()
const app = await openApp(browser, mkdtempSync(path.join(os.tmpdir(), 'fb-shots-')))
const { page } = app
await page.emulateMedia({ colorScheme: 'dark' })
await page.evaluate(() => localStorage.setItem('flowbench.theme', 'dark'))
for (const name of ['inventory-reorder', 'vip-tagging', 'ticket-router']) {
  app.app.store.createFlow(
    JSON.parse(readFileSync(`resources/samples/${name}/flow.json`, 'utf8')) as Flow,
  )
}
await page.reload()
await openFlow(page, 'ticket-router')
await selectNode(page, 'priority')
await page.waitForTimeout(400)
await page.screenshot({ path: path.join(out, 'screenshot.png') })

await selectNode(page, 'message')
await page.getByTestId('inspector-tab-json').click()
await page.getByTestId('json-editor').locator('.monaco-editor').waitFor()
await page.waitForTimeout(600)
await page.screenshot({ path: path.join(out, 'json-tab.png') })

await page.getByTestId('tab-tests').click()
await page.getByTestId('run-all').click()
await page.getByTestId('test-summary').getByText('passed').waitFor()
await page.getByTestId('case-0').locator('.case-open').click()
await page.getByTestId('tab-trace').click()
await page.getByTestId('timeline-message').click()
await page.waitForTimeout(400)
await page.screenshot({ path: path.join(out, 'test-bench.png') })
await app.close()
await browser.close()
console.log(`screenshots written to ${out}/`)
