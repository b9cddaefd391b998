/// <reference lib="dom" />
/** "Run to here" and pinned outputs: run part of a flow with any event and see one node at work. */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { ExecutionReport } from '../src-shared/engine/report'
import {
  openFlow,
  revealNode,
  runToHere,
  sampleFlow,
  selectNode,
  waitForSaved,
} from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
  async setUp(app) {
    app.app.store.createFlow(sampleFlow('vip-tagging') as never)
    await app.page.reload()
    await openFlow(app.page, 'vip-tagging')
  },
})

/** The newest run of the flow the app recorded. */
function lastRun(): ExecutionReport {
  const { store } = getApp().app
  const [newest] = store.listRuns({ flowId: 'vip-tagging' }).runs
  return store.getRun(newest!.runId) as unknown as ExecutionReport
}

const pickCase =
  (name: string) =>
  async (dialog: ReturnType<ReturnType<typeof getApp>['page']['getByTestId']>) => {
    await dialog.getByTestId('run-with-source-case').check()
    await dialog.getByTestId('run-with-case').selectOption({ label: name })
  }

describe('run to here', () => {
  it("runs the flow up to a node and opens the trace on that node's input and output", async () => {
    const { page } = getApp()
    await revealNode(page, 'threshold')
    await page.getByTestId('node-threshold').locator('.fb-node-header').click({ button: 'right' })
    await page.getByTestId('node-menu').waitFor()
    await page.screenshot({ path: '/tmp/ui-run-to-here-menu.png' })
    await page.keyboard.press('Escape')
    await page.getByTestId('node-menu').waitFor({ state: 'detached' })

    await runToHere(page, 'threshold', 'menu', async (dialog) => {
      expect(await dialog.getByTestId('run-with-title').textContent()).toBe(
        'Run to “Spent over 1,000?” with…',
      )
      await pickCase('A big purchase makes a VIP')(dialog)
    })
    const trace = page.getByTestId('trace-view')
    await trace
      .getByText('Run to “Spent over 1,000?”: Run with “A big purchase makes a VIP”')
      .waitFor()
    expect(await trace.getByTestId('trace-node').getAttribute('data-node-id')).toBe('threshold')
    expect(await trace.getByTestId('trace-input').textContent()).toContain('"orderId": "A-1"')
    expect(await trace.getByTestId('trace-output').textContent()).toMatch(/^true: /)
    // Nothing after the node ran: the run stopped there.
    expect(lastRun().nodes.map((n) => n.nodeId)).toEqual(['start', 'count', 'spend', 'threshold'])
    expect(await trace.getByTestId('timeline-tag').count()).toBe(0)
    expect(await page.getByTestId('node-run-threshold').textContent()).toBe('4')
    expect(await page.getByTestId('node-run-already').count()).toBe(0)
    // The inspector shows the node too.
    await page.getByTestId('inspector').getByText('threshold').first().waitFor()
    await page.screenshot({ path: '/tmp/ui-run-to-here-trace.png' })
  })

  it('pins an earlier output: the pinned node does not run, its pin shows on it, stays with the draft and can be removed', async () => {
    const { page } = getApp()
    await runToHere(page, 'spend', 'inspector', pickCase('A small purchase only counts'))
    expect(lastRun().changes.profile.map((c) => c.path)).toContain('/traits/purchases')

    // Pin count's output from that run.
    await selectNode(page, 'count')
    await page.getByTestId('from-run').getByTestId('pin-output').click()
    await page.getByTestId('node-pin-count').waitFor()
    await page.getByTestId('inspector').getByTestId('pinned-note').getByText('payload').waitFor()
    await page.screenshot({ path: '/tmp/ui-pinned.png' })

    await runToHere(page, 'spend', 'inspector', pickCase('A small purchase only counts'))
    const run = lastRun()
    expect(run.nodes.map((n) => n.nodeId)).toEqual(['start', 'count', 'spend'])
    // count did not run: the profile's purchases were not counted, only the spend added up.
    expect(run.changes.profile.map((c) => c.path)).not.toContain('/traits/purchases')
    expect(run.changes.profile.map((c) => c.path)).toContain('/traits/totalSpent')
    await page.getByTestId('timeline-count').click()
    await page.getByTestId('trace-node').getByText('Mocked: the node did not run').waitFor()

    // The pin is kept with the draft.
    await waitForSaved(page)
    await page.reload()
    await page.getByTestId('node-pin-count').waitFor()

    // Removable from the node's menu (and by a click on the badge).
    await page.getByTestId('node-count').locator('.fb-node-header').click({ button: 'right' })
    await page.getByTestId('menu-unpin-output').click()
    await page.getByTestId('node-pin-count').waitFor({ state: 'detached' })
    await runToHere(page, 'spend', 'menu', pickCase('A small purchase only counts'))
    expect(lastRun().changes.profile.map((c) => c.path)).toContain('/traits/purchases')
  })
})
