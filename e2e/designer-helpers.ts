/** Page helpers for the designer: create flows, add nodes, connect ports, read the inspector. */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'

export async function createFlow(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-flow').click()
  await page.getByTestId('new-flow-name').fill(name)
  await page.getByTestId('new-flow-create').click()
  await page.getByTestId('flow-title').getByText(name).waitFor()
  // A new flow has its trigger; the canvas takes drops once it is drawn.
  await waitForCanvasDrawn(page, 1)
}

export async function openFlow(page: Page, id: string): Promise<void> {
  await page.getByTestId(`flow-item-${id}`).locator('.flow-open').click()
  await page.getByTestId('canvas').locator('.react-flow').waitFor()
}

/** Adds a node by dragging it from the palette onto the canvas at (x, y) relative to the canvas. */
export async function dragFromPalette(
  page: Page,
  pluginId: string,
  x: number,
  y: number,
): Promise<void> {
  await page.locator('.react-flow__pane').waitFor()
  const before = await page.locator('[data-testid^="node-"].fb-node').count()
  // Let the canvas finish the frames it has queued (fit-view after opening) before the drop.
  await page.evaluate(
    () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
  )
  await page
    .getByTestId(`palette-${pluginId}`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } })
  await page.waitForFunction((n) => document.querySelectorAll('.fb-node').length > n, before)
}

/** Where an element is once it has stopped moving (nodes settle after fonts load and fit-view). */
async function stableBox(page: Page, locator: ReturnType<Page['getByTestId']>) {
  await locator.waitFor({ state: 'visible' })
  let previous = await locator.boundingBox()
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(50)
    const next = await locator.boundingBox()
    if (previous && next && previous.x === next.x && previous.y === next.y) return next
    previous = next
  }
  return previous!
}

/** Drags from an output port to an input port, as a user draws an edge. */
export async function connect(
  page: Page,
  source: string,
  sourcePort: string,
  target: string,
  targetPort = 'payload',
): Promise<void> {
  const from = page.getByTestId(`port-${source}-out-${sourcePort}`)
  const to = page.getByTestId(`port-${target}-in-${targetPort}`)
  const a = await stableBox(page, from)
  const b = await stableBox(page, to)
  const edges = await page.locator('.react-flow__edge').count()
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2)
  await page.mouse.down()
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 })
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 5 })
  await page.mouse.up()
  await page.waitForFunction(
    (n) => document.querySelectorAll('.react-flow__edge').length > n,
    edges,
  )
}

export async function selectNode(page: Page, id: string): Promise<void> {
  await page.getByTestId(`node-${id}`).locator('.fb-node-header').click()
  await page.getByTestId('inspector').getByText(id, { exact: false }).first().waitFor()
}

/** The node ids on the canvas, in document order. */
export async function nodeIds(page: Page): Promise<string[]> {
  return page
    .locator('.fb-node')
    .evaluateAll((els) =>
      els.map((el) => (el.getAttribute('data-testid') ?? '').replace(/^node-/, '')),
    )
}

/** Replaces the text of the Monaco editor in the JSON tab. */
export async function typeInJsonEditor(page: Page, text: string): Promise<void> {
  await page.getByTestId('json-editor').locator('.view-lines').click()
  await page.keyboard.press('ControlOrMeta+A')
  // Pasted, as a person replacing a config would; typing key by key races Monaco's completions.
  await page.evaluate((t) => navigator.clipboard.writeText(t), text)
  await page.keyboard.press('ControlOrMeta+V')
}

/**
 * The JSON editor's exact text, read from its model through the clipboard: the editor wraps long
 * lines, so the drawn lines are not the text's lines.
 */
export async function jsonEditorText(page: Page): Promise<string> {
  await page.getByTestId('json-editor').locator('.view-lines').click()
  await page.keyboard.press('ControlOrMeta+A')
  await page.keyboard.press('ControlOrMeta+C')
  await page.keyboard.press('End')
  return page.evaluate(() => navigator.clipboard.readText())
}

export async function waitForSaved(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      document.querySelector('[data-testid="save-status"]')?.getAttribute('data-state') === 'saved',
    undefined,
    { timeout: 10000 },
  )
}

/**
 * Waits until the canvas is drawn: `count` nodes, each measured (xyflow hides a node with
 * `visibility: hidden` until it knows its size) and each drawn on the minimap.
 */
export async function waitForCanvasDrawn(
  page: Page,
  count: number,
  options: { allOnScreen?: boolean; timeout?: number } = {},
): Promise<void> {
  await page.waitForFunction(
    ([n, allOnScreen]) => {
      // Nodes outside the view are not in the DOM at all; the minimap still draws every node.
      const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
      if (allOnScreen ? nodes.length !== n : nodes.length === 0 || nodes.length > n) return false
      if (
        !nodes.every(
          (el) =>
            getComputedStyle(el).visibility === 'visible' && el.getBoundingClientRect().width > 0,
        )
      )
        return false
      const mini = [...document.querySelectorAll<SVGGraphicsElement>('.react-flow__minimap-node')]
      return mini.length === n && mini.every((el) => el.getBBox().width > 0)
    },
    [count, options.allOnScreen ?? true] as const,
    { timeout: options.timeout ?? 5000 },
  )
}

/** What the canvas shows, for a failure message: hidden nodes and minimap nodes. */
export async function canvasReport(
  page: Page,
): Promise<{ nodes: number; hidden: string[]; minimapNodes: number }> {
  return page.evaluate(() => {
    const nodes = [...document.querySelectorAll<HTMLElement>('.react-flow__node')]
    return {
      nodes: nodes.length,
      hidden: nodes
        .filter((el) => getComputedStyle(el).visibility !== 'visible')
        .map((el) => el.dataset.id ?? '?'),
      minimapNodes: document.querySelectorAll('.react-flow__minimap-node').length,
    }
  })
}

/** Imports a sample flow from resources/samples straight into the store, as an existing flow. */
export function sampleFlow(name: string): Record<string, unknown> & { id: string } {
  return JSON.parse(readFileSync(`resources/samples/${name}/flow.json`, 'utf8')) as Record<
    string,
    unknown
  > & { id: string }
}

/** Opens "Run with…", lets `choose` fill the dialog, runs, and waits for the run's trace. */
export async function runWith(
  page: Page,
  choose: (dialog: ReturnType<Page['getByTestId']>) => Promise<void>,
): Promise<void> {
  await page.getByTestId('run-with-button').click()
  const dialog = page.getByTestId('run-with-dialog')
  await dialog.waitFor()
  await choose(dialog)
  const view = page.getByTestId('trace-view')
  const before = (await view.count()) ? await view.getAttribute('data-run-id') : null
  await dialog.getByTestId('run-with-confirm').click()
  await dialog.waitFor({ state: 'detached' })
  await page.waitForFunction((id) => {
    const view = document.querySelector('[data-testid="trace-view"]')
    return view !== null && view.getAttribute('data-run-id') !== id
  }, before)
}

/** Zooms the canvas out until the node is drawn (nodes outside the view are not in the DOM). */
export async function revealNode(page: Page, id: string): Promise<void> {
  for (let i = 0; i < 8 && (await page.getByTestId(`node-${id}`).count()) === 0; i++) {
    await page.locator('.react-flow__controls-zoomout').click()
  }
  await page.getByTestId(`node-${id}`).waitFor()
}

/**
 * "Run to here" on a node, from its right-click menu or the inspector's button: lets `choose` fill
 * the Run with… dialog, runs, and waits for the run's trace.
 */
export async function runToHere(
  page: Page,
  nodeId: string,
  via: 'menu' | 'inspector',
  choose: (dialog: ReturnType<Page['getByTestId']>) => Promise<void>,
): Promise<void> {
  if (via === 'menu') {
    await page.getByTestId(`node-${nodeId}`).locator('.fb-node-header').click({ button: 'right' })
    await page.getByTestId('node-menu').getByTestId('menu-run-to-here').click()
  } else {
    await selectNode(page, nodeId)
    await page.getByTestId('inspector').getByTestId('run-to-here').click()
  }
  const dialog = page.getByTestId('run-with-dialog')
  await dialog.waitFor()
  await choose(dialog)
  const view = page.getByTestId('trace-view')
  const before = (await view.count()) ? await view.getAttribute('data-run-id') : null
  await dialog.getByTestId('run-with-confirm').click()
  await dialog.waitFor({ state: 'detached' })
  await page.waitForFunction((id) => {
    const view = document.querySelector('[data-testid="trace-view"]')
    return view !== null && view.getAttribute('data-run-id') !== id
  }, before)
}
