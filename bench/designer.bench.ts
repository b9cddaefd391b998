/**
 * Designer benchmarks (issue: Designer), measured in Chromium through the web host: opening a
 * generated 500-node flow until it is interactive, and frame times while dragging a node.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { launchBrowser, openApp, startFrameRecorder, stopFrameRecorder } from '../e2e/helpers'
import type { Flow } from '../src-shared/flow/types'
import { bigFlow } from './engine.bench'
import type { BenchCase, Figure } from './harness'

/** A 500-node flow laid out on a grid, as a big real flow would be. */
function gridFlow(count: number): Flow {
  const flow = { ...bigFlow(count), id: 'big-500', name: 'Generated 500 nodes' }
  flow.nodes = flow.nodes.map((node, i) => ({
    ...node,
    position: { x: (i % 25) * 260, y: Math.floor(i / 25) * 160 },
  }))
  return flow
}

export const designerBench: BenchCase = {
  group: 'designer',
  async run(): Promise<Figure[]> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-designer-'))
    const browser = await launchBrowser()
    try {
      const app = await openApp(browser, dir)
      const { page } = app
      app.app.store.createFlow(gridFlow(500))
      await page.reload()
      await page.getByTestId('flow-item-big-500').waitFor()

      const opens: number[] = []
      for (let i = 0; i < 3; i++) {
        // Open another view first so each measurement loads the big flow from scratch.
        await page.evaluate(() => localStorage.removeItem('flowbench.lastFlow'))
        await page.reload()
        await page.getByTestId('flow-item-big-500').waitFor()
        const started = await page.evaluate(() => performance.now())
        await page.getByTestId('flow-item-big-500').locator('.flow-open').click()
        // Interactive: the nodes are drawn and the page answers the next frame.
        await page.waitForFunction(
          () =>
            document.querySelectorAll('.fb-node').length > 0 &&
            document.querySelector('[data-testid="problems"]') !== null,
        )
        const ready = await page.evaluate(
          () =>
            new Promise<number>((resolve) =>
              requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now()))),
            ),
        )
        opens.push(ready - started)
      }

      // Drag a node in the view the flow opens with, recording every frame's duration.
      const node = page.locator('.fb-node').first()
      const box = (await node.boundingBox())!
      await startFrameRecorder(page)
      await page.mouse.move(box.x + 30, box.y + 12)
      await page.mouse.down()
      for (let i = 0; i < 60; i++) await page.mouse.move(box.x + 30 + i * 4, box.y + 12 + i * 2)
      await page.mouse.up()
      const frames = await stopFrameRecorder(page)
      await app.close()
      const sorted = [...frames].sort((a, b) => a - b)
      const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0
      return [
        {
          name: 'open a 500-node flow until interactive (median of 3)',
          value: Math.round([...opens].sort((a, b) => a - b)[1]!),
          unit: 'ms',
          target: { value: 800, better: 'lower' },
        },
        {
          name: 'frame time while dragging a node in it (p95)',
          value: Math.round(p95 * 10) / 10,
          unit: 'ms',
          target: { value: 16.7, better: 'lower' },
        },
        {
          name: 'frame time while dragging a node in it (worst)',
          value: Math.round((sorted.at(-1) ?? 0) * 10) / 10,
          unit: 'ms',
          target: { value: 33, better: 'lower' },
        },
      ]
    } finally {
      await browser.close()
      rmSync(dir, { recursive: true, force: true })
    }
  },
}
