/// <reference lib="dom" />
/**
 * The analyst's loop: open a sample, see it drawn, configure nodes by form and JSON, undo,
 * deploy — each test guards a defect users hit in that loop.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import {
  canvasReport,
  createFlow,
  dragFromPalette,
  jsonEditorText,
  openFlow,
  selectNode,
  waitForCanvasDrawn,
  waitForSaved,
} from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

function draft(id: string): Flow {
  return getApp().app.store.getFlow(id).draft.flow
}

function importSample(name: string): Flow {
  const flow = JSON.parse(readFileSync(`resources/samples/${name}/flow.json`, 'utf8')) as Flow
  getApp().app.store.createFlow(flow)
  return flow
}

describe("the analyst's loop", () => {
  it('draws every node and the minimap on each of 30 reloads', async () => {
    const { page } = getApp()
    const sample = importSample('inventory-reorder')
    await page.reload()
    await openFlow(page, 'inventory-reorder')
    for (let i = 0; i < 30; i++) {
      if (i > 0) await page.reload()
      try {
        // The view starts at the trigger; nodes beyond its right edge are not in the DOM.
        await waitForCanvasDrawn(page, sample.nodes.length, { allOnScreen: false })
      } catch {
        expect({ reload: i, ...(await canvasReport(page)) }).toMatchObject({
          reload: i,
          hidden: [],
          minimapNodes: sample.nodes.length,
        })
      }
    }
  })

  it('keeps every node drawn after dropping a second trigger', async () => {
    const { page } = getApp()
    await createFlow(page, 'Two triggers')
    await waitForCanvasDrawn(page, 1)
    await dragFromPalette(page, 'trigger.manual', 500, 350)
    await dragFromPalette(page, 'trigger.event', 700, 200)
    await waitForCanvasDrawn(page, 3)
  })

  it('edits a number-or-reference field as one input with a Number/Reference switch', async () => {
    const { page } = getApp()
    importSample('inventory-reorder')
    await page.reload()
    await openFlow(page, 'inventory-reorder')
    await selectNode(page, 'count')
    const form = page.getByTestId('inspector-form')
    // One control, labelled "By"; no rjsf "option" selector beside it.
    const by = form.getByLabel('By', { exact: true })
    await expect(by.count()).resolves.toBe(1)
    await expect(form.getByText(/option \d/).count()).resolves.toBe(0)
    await by.fill('2')
    await expect
      .poll(() => draft('inventory-reorder').nodes.find((n) => n.id === 'count')!.config, {
        timeout: 10000,
      })
      .toEqual({ path: 'profile@traits.reorders', by: 2 })

    await form.getByRole('radio', { name: 'Reference' }).check()
    await form.getByLabel('By', { exact: true }).fill('event@properties.quantity')
    await expect
      .poll(() => draft('inventory-reorder').nodes.find((n) => n.id === 'count')!.config, {
        timeout: 10000,
      })
      .toEqual({ path: 'profile@traits.reorders', by: 'event@properties.quantity' })
    await waitForSaved(page)
    await expect(page.getByTestId('node-problem-count').count()).resolves.toBe(0)
  })

  it('drops deleted nodes from the selection after duplicate or paste and undo', async () => {
    const { page } = getApp()
    importSample('inventory-reorder')
    await page.reload()
    await openFlow(page, 'inventory-reorder')
    await page.getByTestId('node-record').locator('.fb-node-header').click()
    await page
      .getByTestId('node-count')
      .locator('.fb-node-header')
      .click({ modifiers: ['Shift'] })
    await page.getByTestId('inspector-empty').getByText('2 nodes selected').waitFor()

    await page.keyboard.press('ControlOrMeta+d')
    await page.getByTestId('node-count-2').waitFor()
    await page.keyboard.press('ControlOrMeta+z')
    await page.getByTestId('node-count-2').waitFor({ state: 'detached' })
    await page.getByTestId('inspector-empty').getByText('Select a node').waitFor()

    await page.getByTestId('node-record').locator('.fb-node-header').click()
    await page
      .getByTestId('node-count')
      .locator('.fb-node-header')
      .click({ modifiers: ['Shift'] })
    await page.keyboard.press('ControlOrMeta+c')
    await page.keyboard.press('ControlOrMeta+v')
    await page.getByTestId('node-count-2').waitFor()
    await page.keyboard.press('ControlOrMeta+z')
    await page.getByTestId('node-count-2').waitFor({ state: 'detached' })
    await page.getByTestId('inspector-empty').getByText('Select a node').waitFor()
  })

  it('types a config into the JSON tab key by key: no stray characters, one undo step', async () => {
    const { page } = getApp()
    importSample('inventory-reorder')
    await page.reload()
    await openFlow(page, 'inventory-reorder')
    await selectNode(page, 'count')
    await page.getByTestId('inspector-tab-json').click()
    const editor = page.getByTestId('json-editor')
    await editor.locator('.monaco-editor').waitFor()
    await editor.locator('.view-lines').click()
    await page.keyboard.press('ControlOrMeta+A')
    await page.keyboard.press('Delete')
    // Typed as a person does, with Monaco closing brackets and quotes on the way.
    await page.keyboard.type('{"path": "profile@traits.visits", "by": 12}', { delay: 15 })
    await expect
      .poll(() => jsonEditorText(page))
      .toBe('{"path": "profile@traits.visits", "by": 12}')
    await expect
      .poll(() => draft('inventory-reorder').nodes.find((n) => n.id === 'count')!.config, {
        timeout: 10000,
      })
      .toEqual({ path: 'profile@traits.visits', by: 12 })
    // The half-typed states in between (`{}`, `"by": 1`) were never configs of their own.
    await page.getByTestId('undo').click()
    await expect
      .poll(() => jsonEditorText(page).then((t) => JSON.parse(t) as unknown))
      .toEqual({ path: 'profile@traits.reorders', by: 1 })
  })

  it('keeps the zoom buttons legible in dark mode and draws the flow list glyphs as icons', async () => {
    const { page } = getApp()
    importSample('vip-tagging')
    await page.reload()
    await openFlow(page, 'vip-tagging')
    if ((await page.evaluate(() => document.documentElement.dataset.theme)) !== 'dark')
      await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark')
    const contrast = await page
      .locator('.react-flow__controls-button')
      .first()
      .evaluate((button) => {
        const luminance = (css: string) => {
          const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? ['0', '0', '0'])
            .slice(0, 3)
            .map((v) => Number(v) / 255)
          const lin = (c: number) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)
          return 0.2126 * lin(r!) + 0.7152 * lin(g!) + 0.0722 * lin(b!)
        }
        const icon = button.querySelector('svg')!
        const bg = luminance(getComputedStyle(button).backgroundColor)
        const fg = luminance(getComputedStyle(icon).fill)
        return (Math.max(bg, fg) + 0.05) / (Math.min(bg, fg) + 0.05)
      })
    expect(contrast).toBeGreaterThan(3)
    for (const id of ['duplicate-vip-tagging', 'delete-vip-tagging']) {
      const button = page.getByTestId(id)
      await expect(button.locator('svg').count()).resolves.toBe(1)
      await expect(button.textContent()).resolves.toBe('')
    }
    await page.screenshot({ path: '/tmp/loop-dark.png' })
  })

  it('closes the Deploy dialog and the History drawer with Escape', async () => {
    const { page } = getApp()
    importSample('vip-tagging')
    await page.reload()
    await openFlow(page, 'vip-tagging')
    await page.getByTestId('deploy-button').click()
    await page.getByTestId('deploy-dialog').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('deploy-dialog').waitFor({ state: 'detached' })
    await page.getByTestId('history-button').click()
    await page.getByTestId('history').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('history').waitFor({ state: 'detached' })
  })

  it('offers the examples in an empty app: an empty-state card and an Examples menu', async () => {
    const { page } = getApp()
    const card = page.getByTestId('empty-state')
    await card.waitFor()
    // One card per sample folder in resources/samples.
    await expect(card.locator('[data-testid^="empty-example-"]').count()).resolves.toBe(
      readdirSync('resources/samples').length,
    )
    await card.getByTestId('empty-example-vip-tagging').click()
    await page.getByTestId('flow-title').getByText('VIP tagging').waitFor()
    await waitForCanvasDrawn(
      page,
      (JSON.parse(readFileSync('resources/samples/vip-tagging/flow.json', 'utf8')) as Flow).nodes
        .length,
      { allOnScreen: false },
    )
    expect(draft('vip-tagging').tests).toHaveLength(3)

    await page.getByTestId('examples-menu').click()
    await page.getByTestId('example-ticket-router').click()
    await page.getByTestId('flow-title').getByText('Incoming ticket router').waitFor()
    await page.screenshot({ path: '/tmp/loop-examples.png' })
  })

  it('asks whether to replace or keep both when an opened flow id exists; a copy gets its own id and name', async () => {
    const { page, app } = getApp()
    const sample = importSample('vip-tagging')
    await page.reload()
    await page.getByTestId('examples-menu').click()
    await page.getByTestId('example-vip-tagging').click()
    await page.getByTestId('flow-conflict').waitFor()
    await page.getByTestId('conflict-keep-both').click()
    await page.getByTestId('flow-title').getByText('VIP tagging (copy)').waitFor()
    expect(app.store.listFlows().map((f) => [f.id, f.name])).toEqual(
      expect.arrayContaining([
        ['vip-tagging', 'VIP tagging'],
        ['vip-tagging-2', 'VIP tagging (copy)'],
      ]),
    )

    // The same id from a file: replace the draft in place, no third flow.
    const changed = {
      ...sample,
      nodes: sample.nodes.map((n) =>
        n.id === 'threshold'
          ? { ...n, config: { condition: 'profile.traits.totalSpent >= 5' } }
          : n,
      ),
    }
    await page.getByTestId('import-flow-input').setInputFiles({
      name: 'vip-tagging.flow.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(changed)),
    })
    await page.getByTestId('flow-conflict').waitFor()
    await page.keyboard.press('Escape')
    await page.getByTestId('flow-conflict').waitFor({ state: 'detached' })
    await page.getByTestId('import-flow-input').setInputFiles({
      name: 'vip-tagging.flow.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(changed)),
    })
    await page.getByTestId('conflict-replace').click()
    await page
      .getByTestId('flow-title')
      .getByText(/^VIP tagging$/)
      .waitFor()
    expect(draft('vip-tagging').nodes.find((n) => n.id === 'threshold')!.config).toEqual({
      condition: 'profile.traits.totalSpent >= 5',
    })
    expect(app.store.listFlows()).toHaveLength(2)
  })

  it('resizes the inspector and the bottom panel by their edges and remembers the sizes', async () => {
    const { page } = getApp()
    importSample('inventory-reorder')
    await page.reload()
    await openFlow(page, 'inventory-reorder')
    const inspector = page.getByTestId('inspector')
    const bottom = page.getByTestId('bottom-panel')
    const before = {
      inspector: (await inspector.boundingBox())!.width,
      bottom: (await bottom.boundingBox())!.height,
    }
    const drag = async (handle: string, dx: number, dy: number) => {
      const box = (await page.getByTestId(handle).boundingBox())!
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      await page.mouse.down()
      await page.mouse.move(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy, { steps: 5 })
      await page.mouse.up()
    }
    await drag('inspector-resize', -120, 0)
    await drag('bottom-resize', 0, -90)
    const after = {
      inspector: (await inspector.boundingBox())!.width,
      bottom: (await bottom.boundingBox())!.height,
    }
    expect(after.inspector - before.inspector).toBeCloseTo(120, -1)
    expect(after.bottom - before.bottom).toBeCloseTo(90, -1)
    await page.reload()
    await page.getByTestId('node-start').waitFor()
    expect((await inspector.boundingBox())!.width).toBeCloseTo(after.inspector, 0)
    expect((await bottom.boundingBox())!.height).toBeCloseTo(after.bottom, 0)

    // The JSON editor wraps a long template instead of scrolling sideways.
    await selectNode(page, 'notify')
    await page.getByTestId('inspector-tab-json').click()
    await page.getByTestId('json-editor').locator('.view-line').first().waitFor()
    const wrapped = await page.getByTestId('json-editor').evaluate((el) => ({
      lines: el.querySelectorAll('.view-line').length,
      overflow:
        Math.max(
          ...[...el.querySelectorAll('.view-line > span')].map(
            (span) => span.getBoundingClientRect().right,
          ),
        ) - el.getBoundingClientRect().right,
    }))
    // notify's config is 4 lines of JSON, one of them a 170-character template.
    expect(wrapped.lines).toBeGreaterThan(4)
    expect(wrapped.overflow).toBeLessThanOrEqual(0)
  })

  it('fits the flow to the view at a zoom where labels can be read', async () => {
    const { page } = getApp()
    await createFlow(page, 'Tiny')
    const zoomOf = () =>
      page
        .locator('.react-flow__viewport')
        .evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a)
    await expect.poll(zoomOf).toBeLessThanOrEqual(1)
    importSample('vip-tagging')
    await page.reload()
    await openFlow(page, 'vip-tagging')
    await page.keyboard.press('f')
    await expect.poll(zoomOf).toBeGreaterThanOrEqual(0.5)
  })
})
