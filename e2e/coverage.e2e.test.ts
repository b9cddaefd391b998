/// <reference lib="dom" />
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { openFlow } from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
  async setUp(app) {
    app.app.store.createFlow(
      JSON.parse(readFileSync('resources/samples/vip-tagging/flow.json', 'utf8')) as Flow,
    )
    await app.page.reload()
    await openFlow(app.page, 'vip-tagging')
  },
})

describe('flow coverage in the app', () => {
  it('shows what the suite never reaches and offers a case for an uncovered port', async () => {
    const { page, app } = getApp()
    await expect(page.getByTestId('coverage-toggle').isDisabled()).resolves.toBe(true)
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('run-all').click()
    await page
      .getByTestId('test-summary')
      .getByText(/3 passed, 0 failed/)
      .waitFor()
    await page.getByTestId('coverage-summary').waitFor()
    const nodes = Number((await page.getByTestId('coverage-nodes').textContent())!.replace('%', ''))
    const ports = Number((await page.getByTestId('coverage-ports').textContent())!.replace('%', ''))
    expect(nodes).toBeGreaterThan(0)
    // The sample's cases never see a profile that is already a VIP: already.true is not reached.
    expect(ports).toBeLessThan(100)

    await page.getByTestId('coverage-toggle').click()
    const uncovered = page.locator('[data-testid^="uncovered-"]')
    await uncovered.first().waitFor()
    await page.screenshot({ path: 'test-results/coverage-canvas.png' })
    const port = (await uncovered.first().getAttribute('data-testid'))!
    await uncovered.first().click()
    await page.getByTestId('coverage-offer').waitFor()
    await page.getByTestId('coverage-create-case').click()
    await expect
      .poll(() => app.store.getFlow('vip-tagging').draft.flow.tests?.length, { timeout: 10000 })
      .toBe(4)
    const created = app.store.getFlow('vip-tagging').draft.flow.tests![3]!
    const [, nodeId] = port.split('-')
    expect(JSON.stringify(created)).toContain(nodeId!)
  })
})
