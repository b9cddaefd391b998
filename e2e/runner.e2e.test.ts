/// <reference lib="dom" />
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { openFlow } from './designer-helpers'
import { useAppPerTest } from './helpers'
import { markerBundle, markerPlugin, markerText, tempDir } from '../test/security/bundle-fixtures'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
  async setUp(app) {
    app.app.store.createFlow(
      JSON.parse(readFileSync('test/fixtures/serve/orders.flow.json', 'utf8')) as Flow,
    )
    await app.page.reload()
    await openFlow(app.page, 'orders-hook')
  },
})

describe('bundles and the local runner in the app', () => {
  it('serves the deployed flow: webhook URL, a delivery, its run', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('deploy-button').click()
    await page.getByTestId('deploy-confirm').click()
    await page.getByTestId('diff-summary').getByText('Same as production').waitFor()
    await page.getByTestId('tab-runner').click()
    await page.getByTestId('runner-switch').click()
    const hook = page.getByTestId('hook-orders-hook')
    await hook.waitFor()
    const url = (await hook.textContent())!.replace(/^POST\s+/, '').trim()
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/orders$/)
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customer: 'zoe', total: 12 }),
    })
    expect(res.status).toBe(202)
    await page.getByTestId('deliveries').getByText('done').waitFor({ timeout: 10000 })
    expect(app.app.store.state.loadProfile('zoe')!.traits).toMatchObject({ orders: 1, spent: 12 })
    await page.getByTestId('runner-switch').click()
    await page.getByTestId('runner-url').waitFor({ state: 'detached' })
  })

  it('exports the production flow as a bundle and imports one', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('deploy-button').click()
    await page.getByTestId('deploy-confirm').click()
    await page.getByTestId('diff-summary').getByText('Same as production').waitFor()
    await page.getByTestId('export-bundle').click()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-confirm').click(),
    ])
    expect(download.suggestedFilename()).toBe('orders-hook-r1.flowbundle')
    const bytes = readFileSync((await download.path())!)
    expect(bytes.subarray(0, 2).toString()).toBe('PK')

    await page
      .getByTestId('import-flow-input')
      .setInputFiles({ name: 'samples.flowbundle', mimeType: 'application/zip', buffer: bytes })
    // Nothing is written until the user confirms what the bundle holds.
    await page.getByTestId('bundle-import-flows').getByText('orders-hook').waitFor()
    expect(app.app.store.history('orders-hook').length).toBe(1)
    await page.getByTestId('bundle-import-confirm').click()
    await page.getByTestId('toast').getByText('Imported orders-hook').waitFor()
    expect(app.app.store.history('orders-hook').length).toBe(2)

    await page.getByTestId('import-flow-input').setInputFiles({
      name: 'broken.flowbundle',
      mimeType: 'application/zip',
      buffer: bytes.subarray(0, 100),
    })
    await page.getByTestId('toast-error').getByText('not a readable zip').waitFor()
  })

  it('lists the plugin code a bundle carries and installs none of it unless the user trusts it', async () => {
    const app = getApp()
    const { page } = app
    const dir = tempDir('e2e')
    const plugin = markerPlugin(path.join(dir, 'marker.txt'))
    const bundle = Buffer.from(markerBundle(plugin))
    const choose = () =>
      page
        .getByTestId('import-flow-input')
        .setInputFiles({ name: 'marked.flowbundle', mimeType: 'application/zip', buffer: bundle })

    await choose()
    const table = page.getByTestId('bundle-import-plugins')
    await table.getByText('acme.marker').waitFor()
    expect(await table.textContent()).toMatch(/[0-9a-f]{64}/)
    await page.getByTestId('bundle-import-warning').waitFor()
    await page.getByTestId('bundle-import-cancel').click()
    await page.getByTestId('bundle-import-dialog').waitFor({ state: 'detached' })
    expect(markerText(plugin.marker)).toBe('')
    expect(app.app.registry.get('acme.marker')).toBeUndefined()

    await choose()
    await page.getByTestId('bundle-import-confirm').click()
    await page.getByTestId('toast').getByText('Imported marked').waitFor()
    expect(app.app.registry.get('acme.marker')?.version).toBe('1.0.0')
    expect(markerText(plugin.marker)).toBe('loaded 1.0.0\n')
  })
})
