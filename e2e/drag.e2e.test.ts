/// <reference lib="dom" />
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { createFlow, waitForSaved } from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

function positionOf(id: string, node: string): { x: number; y: number } {
  const flow: Flow = getApp().app.store.getFlow(id).draft.flow
  return flow.nodes.find((n) => n.id === node)!.position
}

describe('dragging a node on the canvas', () => {
  // While the mouse moves the canvas alone draws the node; the flow takes the place on drop.
  it('moves the node with the mouse, saves where it was dropped, and undoes the move in one step', async () => {
    const { page } = getApp()
    await createFlow(page, 'Drag me')
    await waitForSaved(page)
    const before = positionOf('drag-me', 'start')
    const node = page.getByTestId('node-start')
    const box = (await node.boundingBox())!
    await page.mouse.move(box.x + 20, box.y + 10)
    await page.mouse.down()
    for (let i = 1; i <= 20; i++) {
      await page.mouse.move(box.x + 20 + i * 8, box.y + 10 + i * 4)
      if (i === 10) {
        // Mid-drag the node follows the mouse.
        const mid = (await node.boundingBox())!
        expect(mid.x).toBeGreaterThan(box.x + 40)
      }
    }
    await page.mouse.up()
    const after = (await node.boundingBox())!
    expect(after.x).toBeGreaterThan(box.x + 100)
    expect(after.y).toBeGreaterThan(box.y + 50)

    await expect
      .poll(() => positionOf('drag-me', 'start').x, { timeout: 10000 })
      .toBeGreaterThan(before.x)
    const dropped = positionOf('drag-me', 'start')
    expect(dropped.y).toBeGreaterThan(before.y)
    expect(Number.isInteger(dropped.x) && Number.isInteger(dropped.y)).toBe(true)

    // The whole drag is one undo step: one undo puts the node back where it started.
    await page.getByTestId('undo').click()
    await expect.poll(() => positionOf('drag-me', 'start'), { timeout: 10000 }).toEqual(before)
    await expect.poll(async () => (await node.boundingBox())!.x).toBeCloseTo(box.x, 0)
  })
})
