/// <reference lib="dom" />
/**
 * The analyst's loop, second part: run with any event, see what expressions do, see what a
 * condition evaluated to, deploy knowing the test result.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../src-shared/engine/report'
import { openFlow, revealNode, runWith, sampleFlow, selectNode } from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

async function openSample(name: string) {
  const { page, app } = getApp()
  const flow = sampleFlow(name)
  app.store.createFlow(flow as never)
  await page.reload()
  await openFlow(page, flow.id)
  return flow
}

/** The runs of a flow the app recorded, newest first. */
function runs(flowId: string): ExecutionReport[] {
  return getApp()
    .app.store.listRuns({ flowId })
    .runs.map((r) => getApp().app.store.getRun(r.runId) as unknown as ExecutionReport)
}

describe("the analyst's loop, part 2", () => {
  it('runs the draft with a test case, pasted JSON or the last event used, with a starting profile', async () => {
    const { page } = getApp()
    await openSample('vip-tagging')
    const trace = page.getByTestId('trace-view')

    // A test case's event, with that case's starting profile.
    await runWith(page, async (dialog) => {
      await dialog.getByTestId('run-with-source-case').check()
      await dialog
        .getByTestId('run-with-case')
        .selectOption({ label: 'A small purchase only counts' })
    })
    await trace.getByText('Run with “A small purchase only counts”').waitFor()
    await expect(page.getByTestId('timeline-tag').getAttribute('class')).resolves.toContain(
      'skipped',
    )

    // Broken JSON is refused in the dialog, not sent.
    await page.getByTestId('run-with-button').click()
    await page.getByTestId('run-with-source-json').check()
    await page.getByTestId('run-with-event').fill('{"type": "purchase", ')
    await page.getByTestId('run-with-confirm').click()
    await page
      .getByTestId('run-with-error')
      .getByText(/^Event:/)
      .waitFor()
    await page.keyboard.press('Escape')

    // Pasted JSON and a starting profile that is already near the threshold: the customer becomes VIP.
    await runWith(page, async (dialog) => {
      await dialog.getByTestId('run-with-source-json').check()
      await dialog
        .getByTestId('run-with-event')
        .fill('{"type": "purchase", "properties": {"orderId": "P-9", "total": 150}}')
      await dialog
        .getByTestId('run-with-profile')
        .fill('{"traits": {"name": "Grace", "totalSpent": 900}}')
    })
    await trace.getByText('Run with a pasted event').waitFor()
    await expect(page.getByTestId('timeline-tag').getAttribute('class')).resolves.not.toContain(
      'skipped',
    )
    await expect(trace.getByTestId('trace-status').textContent()).resolves.toBe('succeeded')

    // The last event is remembered for this flow across a reload, and offered first.
    await page.reload()
    await page.getByTestId('node-start').waitFor()
    await page.getByTestId('run-with-button').click()
    await expect(page.getByTestId('run-with-source-last').isChecked()).resolves.toBe(true)
    await expect(
      page
        .getByTestId('run-with-profile')
        .inputValue()
        .then((t) => JSON.parse(t) as unknown),
    ).resolves.toEqual({ traits: { name: 'Grace', totalSpent: 900 } })
    await page.screenshot({ path: '/tmp/loop2-run-with.png' })
    await page.getByTestId('run-with-confirm').click()
    await trace.getByText('Run with the last event').waitFor()
    await expect(page.getByTestId('timeline-tag').getAttribute('class')).resolves.not.toContain(
      'skipped',
    )

    const last = runs('vip-tagging')[0]!
    expect(last.state.event).toMatchObject({
      type: 'purchase',
      properties: { orderId: 'P-9', total: 150 },
    })
    expect(last.state.profile).toMatchObject({
      traits: { name: 'Grace', totalSpent: 1050, vip: true },
    })
  })

  it('previews conditions, templates and references against a sample event, flags missing paths and masks secrets', async () => {
    const { page } = getApp()
    await openSample('vip-tagging')
    const form = page.getByTestId('inspector-form')
    const preview = (id: string) => form.getByTestId(`preview-${id}`)

    // A condition, against the first case (profile.traits.totalSpent is 200).
    await selectNode(page, 'threshold')
    await expect(page.getByTestId('preview-sample').inputValue()).resolves.toBe(
      'the event of “A big purchase makes a VIP”',
    )
    await expect.poll(() => preview('root_condition').textContent()).toBe('→ false')
    await form.locator('#root_condition').fill('profile.traits.totalSpent >= 100')
    await expect.poll(() => preview('root_condition').textContent()).toBe('→ true')
    // A broken expression shows its error inline instead of a value.
    await form.locator('#root_condition').fill('profile.traits.totalSpent >=')
    await form.getByTestId('expr-error-root_condition').waitFor()
    await expect(preview('root_condition').count()).resolves.toBe(0)

    // A reference: its value, then a path the sample lacks is a warning.
    await selectNode(page, 'spend')
    await expect.poll(() => preview('root_by').textContent()).toBe('→ 1250')
    await page
      .getByTestId('preview-sample')
      .selectOption({ label: 'the event of “A small purchase only counts”' })
    await expect.poll(() => preview('root_by').textContent()).toBe('→ 20')
    await form.getByLabel('By', { exact: true }).fill('event@properties.totl')
    await expect.poll(() => preview('root_by').getAttribute('data-kind')).toBe('warning')
    await expect(preview('root_by').textContent()).resolves.toContain(
      'event@properties.totl is not in the event of “A small purchase only counts”',
    )

    // A template, with a secret that is shown masked and never read.
    await revealNode(page, 'welcome')
    await selectNode(page, 'welcome')
    await expect
      .poll(() => preview('root_message').textContent())
      .toBe('→ Ada is now VIP after 3 purchases (200 spent)')
    await form
      .locator('#root_message')
      .fill('Key {{ secrets.crm.apiKey }} for {{ upper(profile.traits.name) }}')
    await expect.poll(() => preview('root_message').textContent()).toBe('→ Key •••• for ADA')
    await page.screenshot({ path: '/tmp/loop2-preview.png' })
  })

  it('shows in the trace what a flow.if condition and a flow.switch value evaluated to', async () => {
    const { page } = getApp()
    await openSample('ticket-router')
    const decision = page.getByTestId('trace-decision')
    const runCase = (name: string) =>
      runWith(page, async (dialog) => {
        await dialog.getByTestId('run-with-source-case').check()
        await dialog.getByTestId('run-with-case').selectOption({ label: name })
      })

    await runCase('High priority goes to the urgent queue')
    await page.getByTestId('timeline-priority').click()
    await expect(decision.textContent()).resolves.toBe(
      'lower(event.properties.priority) value → "high" → case high',
    )
    await expect(page.getByTestId('timeline-decision-priority').textContent()).resolves.toContain(
      'case high',
    )
    await page.screenshot({ path: '/tmp/loop2-trace-switch.png' })

    await runCase('Unknown priority goes to support')
    await page.getByTestId('timeline-priority').click()
    await expect(decision.textContent()).resolves.toBe(
      'lower(event.properties.priority) value → "normal" → no case matched: default',
    )

    await openSample('vip-tagging')
    await runCase('A big purchase makes a VIP')
    await page.getByTestId('timeline-threshold').click()
    await expect(decision.textContent()).resolves.toBe(
      'profile.traits.totalSpent >= 1000 condition → true',
    )
    await runCase('A small purchase only counts')
    await page.getByTestId('timeline-threshold').click()
    await expect(decision.textContent()).resolves.toBe(
      'profile.traits.totalSpent >= 1000 condition → false',
    )
  })
})
