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

/** 100 purchases; row 42 has a total that is not a number, so its run fails. */
function purchasesCsv(): string {
  const rows = ['type,profileId,total,currency']
  for (let i = 1; i <= 100; i++)
    rows.push(`purchase,customer-${i % 7},${i === 42 ? 'lots' : i * 10},EUR`)
  return rows.join('\n') + '\n'
}

describe('test bench', () => {
  it('shows each case as it finishes from the main process’s events, without polling', async () => {
    const app = getApp()
    const { page } = app
    // Eight cases of 150 ms each: a bench that polled every 150 ms would ask many times.
    app.app.store.createFlow({
      schemaVersion: 1,
      id: 'slow',
      name: 'Slow',
      nodes: [
        { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
        { id: 'wait', plugin: 'flow.sleep', position: { x: 240, y: 0 }, config: { ms: 150 } },
      ],
      edges: [
        { id: 'e1', source: 'start', sourcePort: 'payload', target: 'wait', targetPort: 'payload' },
      ],
      tests: [...Array(8).keys()].map((i) => ({
        name: `Case ${i + 1}`,
        event: { type: 'tick' },
        expect: { status: 'succeeded' as const },
      })),
    } as Flow)
    await page.reload()
    await openFlow(page, 'slow')
    await page.getByTestId('tab-tests').click()
    const statusCalls: string[] = []
    page.on('request', (request) => {
      if (request.url().includes('/api/tests.status')) statusCalls.push(request.url())
    })
    await page.getByTestId('run-all').click()
    // Progress shows before the job ends, case by case: it came as events.
    const seen = new Set<string>()
    const summary = page.getByTestId('test-summary')
    for (let i = 0; i < 400; i++) {
      const text = (await summary.textContent().catch(() => null)) ?? ''
      seen.add(text)
      if (/ in \d+ ms$/.test(text)) break
      await page.waitForTimeout(25)
    }
    expect([...seen].at(-1)).toMatch(/^8 passed, 0 failed in \d+ ms$/)
    const partial = [...seen].filter((t) => /^[1-7] passed, 0 failed$/.test(t))
    expect(partial.length).toBeGreaterThanOrEqual(2)
    // One status fetch when the job started (for anything finished before the bench heard of it),
    // and one more only if the event stream happened to connect after that; polling every 150 ms
    // through a 1.2 s suite would ask about eight times.
    expect(statusCalls.length).toBeGreaterThanOrEqual(1)
    expect(statusCalls.length).toBeLessThanOrEqual(2)
  })

  it('shows the node a Run with… is running, from the main process’s run progress', async () => {
    const app = getApp()
    const { page } = app
    const node = (id: string, x: number) => ({
      id,
      plugin: 'flow.sleep',
      position: { x, y: 0 },
      config: { ms: 400 },
    })
    app.app.store.createFlow({
      schemaVersion: 1,
      id: 'waits',
      name: 'Waits',
      nodes: [
        { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
        node('first', 240),
        node('second', 480),
      ],
      edges: [
        {
          id: 'e1',
          source: 'start',
          sourcePort: 'payload',
          target: 'first',
          targetPort: 'payload',
        },
        {
          id: 'e2',
          source: 'first',
          sourcePort: 'payload',
          target: 'second',
          targetPort: 'payload',
        },
      ],
    } as Flow)
    await page.reload()
    await openFlow(page, 'waits')
    await page.getByTestId('run-with-button').click()
    const dialog = page.getByTestId('run-with-dialog')
    await dialog.getByTestId('run-with-source-json').check()
    await dialog.getByTestId('run-with-confirm').click()
    // Checked every frame: a locator's wait polls ever more slowly and could miss a 400 ms step.
    const shows = (text: string) =>
      page.waitForFunction(
        (wanted) => document.querySelector('[data-testid="run-progress"]')?.textContent === wanted,
        text,
        { polling: 'raf' },
      )
    await shows('Running “first”… 1 node done')
    await shows('Running “second”… 2 nodes done')
    await dialog.waitFor({ state: 'detached' })
    expect(await page.getByTestId('trace-status').textContent()).toBe('succeeded')
  })

  it('imports 100 events from CSV, runs all, explains the failure and paints its path', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('import-events').click()
    await page.getByTestId('import-file').setInputFiles({
      name: 'purchases.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(purchasesCsv()),
    })
    await page.getByTestId('import-count').getByText('100 events in purchases.csv').waitFor()
    expect(await page.getByTestId('import-preview').locator('tbody tr').count()).toBe(5)
    await page.getByTestId('import-confirm').click()

    await page.getByTestId('run-all').click()
    await page
      .getByTestId('test-summary')
      .getByText(/102 passed, 1 failed in \d+ ms/)
      .waitFor()

    // The sample's 3 cases come first; imported row 42 is case 3 + 41. The list draws only rows in view.
    await page.getByTestId('cases').evaluate((el) => (el.scrollTop = 40 * 26))
    const failing = page.getByTestId('case-44')
    await failing.waitFor()
    expect(await failing.getByTestId('case-status-44').getAttribute('data-status')).toBe('failed')
    await failing.locator('.case-open').click()
    const failure = page.getByTestId('case-failure')
    await failure.waitFor()
    expect(await failure.locator('pre.expected').first().textContent()).toBe('"succeeded"')
    expect(await failure.locator('pre.actual').first().textContent()).toBe('"failed"')
    expect(await failure.textContent()).toContain('"By" must be a number')

    // The path is painted: nodes carry their run order and the edge past the failure is not active.
    await page.getByTestId('node-run-count').waitFor()
    expect(await page.getByTestId('node-run-count').textContent()).toBe('2')
    expect(
      await page.getByTestId('node-spend').evaluate((el) => el.classList.contains('run-error')),
    ).toBe(true)
    expect(await page.locator('.react-flow__edge.trace-active').count()).toBe(2)
    await page.getByTestId('tab-trace').click()
    expect(await page.getByTestId('trace-status').textContent()).toBe('failed')
  })

  it('lists malformed rows with their line numbers and still imports the good ones', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('tab-tests').click()
    await page.getByTestId('import-events').click()
    await page.getByTestId('import-file').setInputFiles({
      name: 'bad.ndjson',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(
        '{"type":"purchase","properties":{"total":5}}\n{oops\n{"type":"purchase","properties":{"total":6}}\n',
      ),
    })
    await page.getByTestId('import-errors').getByText('Line 2').waitFor()
    await page.getByTestId('import-count').getByText('2 events').waitFor()
    await page.getByTestId('import-confirm').click()
    expect(await page.getByTestId('cases').locator('li').count()).toBe(5)
  })

  it('runs the draft once and shows the trace with each node’s input and output', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('run-button').click()
    await page.getByTestId('trace-view').waitFor()
    await page.getByTestId('timeline-spend').click()
    expect(await page.getByTestId('trace-output').textContent()).toContain('payload')
    await page.getByTestId('tab-runs').click()
    await page.getByTestId('success-rate').getByText('100% of the last 1 runs succeeded').waitFor()
  })

  it('turns a node’s output in a run into its mock, and a run into a test case', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('run-button').click()
    await page.getByTestId('trace-view').waitFor()
    await page.getByTestId('node-spend').locator('.fb-node-header').click()
    await page.getByTestId('use-as-mock').click()
    await page.getByTestId('case-from-run').click()
    await expect
      .poll(() => app.app.store.getFlow('vip-tagging').draft.flow.tests?.length, { timeout: 5000 })
      .toBe(4)
    const tests = app.app.store.getFlow('vip-tagging').draft.flow.tests!
    expect(tests[0]!.mocks).toEqual({ spend: { port: 'payload', value: expect.anything() } })
    expect(tests[3]).toMatchObject({
      event: { type: 'purchase' },
      expect: { status: 'succeeded', reached: expect.arrayContaining(['start', 'count', 'spend']) },
    })
  })

  it('saves the draft as a .flow.json file', async () => {
    const app = getApp()
    const { page } = app
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-file').click(),
    ])
    expect(download.suggestedFilename()).toBe('vip-tagging.flow.json')
    const saved = JSON.parse(readFileSync((await download.path())!, 'utf8')) as Flow
    expect(saved).toMatchObject({ schemaVersion: 1, id: 'vip-tagging' })
    expect(saved.nodes).toHaveLength(8)
  })
})
