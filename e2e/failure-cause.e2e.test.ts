/// <reference lib="dom" />
/**
 * Failures point at causes: a failing case opens its trace where the run left the expected path,
 * a case made from an imported event takes its expectations from a run, and long expectation
 * tables stay readable.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow, TestCase } from '../src-shared/flow/types'
import { openFlow, sampleFlow, waitForSaved } from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

/** Opens vip-tagging with these test cases on the Tests tab. */
async function openWith(tests: TestCase[]) {
  const { page, app } = getApp()
  app.store.createFlow({ ...(sampleFlow('vip-tagging') as unknown as Flow), tests })
  await page.reload()
  await openFlow(page, 'vip-tagging')
  await page.getByTestId('tab-tests').click()
}

/** Opens vip-tagging with these test cases and runs them all. */
async function runCases(tests: TestCase[], summary: RegExp) {
  const { page } = getApp()
  await openWith(tests)
  await page.getByTestId('run-all').click()
  await page.getByTestId('test-summary').getByText(summary).waitFor()
}

const purchase = (total: number) => ({ type: 'purchase', properties: { orderId: 'X', total } })

describe('failures point at causes', () => {
  it('opens a failing case on the node where the run left the expected path', async () => {
    const { page } = getApp()
    await runCases(
      [
        // Too small to make a VIP: the condition sends the run away from tag and since.
        {
          name: 'Expects a VIP',
          event: purchase(20),
          expect: { status: 'succeeded', reached: ['tag', 'since'] },
        },
        {
          name: 'Expects nothing counted',
          event: purchase(20),
          expect: { status: 'succeeded', notReached: ['count'] },
        },
      ],
      /0 passed, 2 failed/,
    )
    await page.getByTestId('case-0').locator('.case-open').click()
    const cause = page.getByTestId('failure-cause')
    await cause.waitFor()
    expect(await cause.getAttribute('data-node-id')).toBe('threshold')
    expect(await cause.textContent()).toContain('“tag” was never reached')
    // The node is selected on the canvas: the inspector shows it with what it sent in that run.
    await page.getByTestId('inspector').getByText('Spent over 1,000?').first().waitFor()
    await page
      .getByTestId('from-run')
      .getByText(/^false: /)
      .waitFor()
    await page.screenshot({ path: '/tmp/ui-failure-cause.png' })
    await page.getByTestId('open-cause-trace').click()
    const trace = page.getByTestId('trace-view')
    await trace.waitFor()
    expect(await trace.getByTestId('trace-node').getAttribute('data-node-id')).toBe('threshold')
    expect(await trace.getByTestId('trace-decision').textContent()).toContain('condition → false')
    await page.screenshot({ path: '/tmp/ui-failure-trace.png' })

    // A node that should not have run: the trace opens on it.
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('case-1').locator('.case-open').click()
    await page.locator('[data-testid="failure-cause"][data-node-id="count"]').waitFor()
    await page.getByTestId('open-cause-trace').click()
    await page.locator('[data-testid="trace-node"][data-node-id="count"]').waitFor()
  })

  it('fills an imported case’s expectations from its run', async () => {
    const { page, app } = getApp()
    await openWith([])
    await page.getByTestId('import-events').click()
    await page.getByTestId('import-file').setInputFiles({
      name: 'one.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('type,total\npurchase,1200\n'),
    })
    await page.getByTestId('import-confirm').click()
    await page.getByTestId('run-all').click()
    await page.getByTestId('test-summary').getByText('1 passed, 0 failed').waitFor()
    await page.getByTestId('case-0').locator('.case-open').click()
    await page.getByTestId('take-expectations').click()
    await waitForSaved(page)
    const taken = app.store.getFlow('vip-tagging').draft.flow.tests![0]!.expect!
    expect(taken.status).toBe('succeeded')
    expect(taken.reached).toEqual(expect.arrayContaining(['start', 'count', 'tag', 'since']))
    expect(taken.profile).toMatchObject({
      'traits.purchases': 1,
      'traits.totalSpent': 1200,
      'traits.vip': true,
    })
    // The time the run gave the event differs every run: not expected.
    expect(taken.profile).not.toHaveProperty(['traits.vipSince'])
    // The case passes with what it now expects.
    await page.getByTestId('run-all').click()
    await page
      .getByTestId('test-summary')
      .getByText(/1 passed, 0 failed in/)
      .waitFor()
  })

  it('keeps a long expectation table readable: aligned columns, wrapped values, a header in view', async () => {
    const { page } = getApp()
    const long = 'averyveryverylongtraitnamewithoutanyspacesatall'.repeat(3)
    const profile: Record<string, unknown> = {}
    for (let i = 0; i < 16; i++)
      profile[`traits.${long}${i}`] = { nested: 'x'.repeat(120), list: [1, 2, 3], i }
    await runCases(
      [{ name: 'Many expectations', event: purchase(20), expect: { profile } }],
      /0 passed, 1 failed/,
    )
    await page.getByTestId('case-0').locator('.case-open').click()
    const failure = page.getByTestId('case-failure')
    await failure.waitFor()
    expect(await failure.locator('tbody tr').count()).toBe(16)
    const detail = page.locator('.case-detail')
    // Nothing runs off to the side: long names and values wrap inside their column.
    const { scrollWidth, clientWidth } = await detail.evaluate((el) => ({
      scrollWidth: el.scrollWidth,
      clientWidth: el.clientWidth,
    }))
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth + 1)
    // Every row's cells start where their column's header does.
    const lefts = await failure.locator('table.unmet').evaluate((table) => {
      const head = [...table.querySelectorAll('th')].map((th) => th.getBoundingClientRect().left)
      const rows = [...table.querySelectorAll('tbody tr')].map((tr) =>
        [...tr.querySelectorAll('td')].map((td) => td.getBoundingClientRect().left),
      )
      return { head, rows }
    })
    for (const row of lefts.rows) expect(row).toEqual(lefts.head)
    await page.screenshot({ path: '/tmp/ui-long-table.png' })
    // Scrolled to the end, the header is still in view.
    await detail.evaluate((el) => (el.scrollTop = el.scrollHeight))
    const header = await failure.locator('th').first().boundingBox()
    const box = await detail.boundingBox()
    expect(header!.y).toBeGreaterThanOrEqual(box!.y - 1)
    expect(header!.y).toBeLessThan(box!.y + 40)
    await page.screenshot({ path: '/tmp/ui-long-table-scrolled.png' })
  })
})
