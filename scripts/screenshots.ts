/**
 * Takes the README's screenshots: the designer with a sample flow, the form and the JSON tab.
 * Run with `node bin/run-ts.js scripts/screenshots.ts` after building the renderer.
 */
import { mkdtempSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { launchBrowser, openApp } from '../e2e/helpers'

const out = process.argv[2] ?? 'docs'
const browser = await launchBrowser()
const app = await openApp(browser, mkdtempSync(path.join(os.tmpdir(), 'fb-shots-')))
const { page } = app
for (const name of ['inventory-reorder', 'vip-tagging', 'ticket-router']) {
  const flow = JSON.parse(readFileSync(`resources/samples/${name}/flow.json`, 'utf8'))
  app.app.store.createFlow(flow)
}
await page.reload()
await page.getByTestId('flow-item-inventory-reorder').waitFor()
await page.getByTestId('flow-item-inventory-reorder').locator('.flow-open').click()
await page.getByTestId('node-check').waitFor()
await page.getByTestId('node-check').click()
await page.getByTestId('inspector-form').waitFor()
await page.screenshot({ path: path.join(out, 'screenshot.png') })
await page.getByTestId('node-order').click()
await page.getByTestId('inspector-tab-json').click()
await page.getByTestId('json-editor').locator('.monaco-editor').waitFor()
await page.waitForTimeout(500)
await page.screenshot({ path: path.join(out, 'json-tab.png') })
await app.close()
await browser.close()
