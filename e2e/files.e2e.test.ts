/// <reference lib="dom" />
/**
 * Flow files in a browser through the web host: the host has no native dialogs, so Open and Save
 * keep the file input and the download; dropping a file on the window opens it.
 */
import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

const flow = (id: string, name: string) => ({
  schemaVersion: 1,
  id,
  name,
  nodes: [{ id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
})

describe('flow files in the browser', () => {
  it('opens through the file input and saves through a download, as the host has no native files', async () => {
    const {
      page,
      app: { store },
    } = getApp()
    const info = await page.evaluate(() => (window as { flowbench?: unknown }).flowbench ?? null)
    expect(info).toBeNull()

    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByTestId('import-flow').click(),
    ])
    await chooser.setFiles({
      name: 'orders.flow.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(flow('orders', 'Orders'))),
    })
    await page.getByTestId('flow-title').getByText('Orders').waitFor()
    expect(store.getFlow('orders').draft.flow.name).toBe('Orders')
    await expect.poll(() => page.title()).toBe('Orders — Flowbench')
    // A browser cannot write back to the file: no file name, no unsaved mark.
    await expect(page.getByTestId('flow-file').count()).resolves.toBe(0)

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('save-file').click(),
    ])
    expect(download.suggestedFilename()).toBe('orders.flow.json')
    expect(JSON.parse(readFileSync((await download.path())!, 'utf8'))).toMatchObject({
      id: 'orders',
      name: 'Orders',
    })

    // Ctrl+S is the same download.
    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } })
    const [again] = await Promise.all([
      page.waitForEvent('download'),
      page.keyboard.press('Control+s'),
    ])
    expect(again.suggestedFilename()).toBe('orders.flow.json')
  })

  it('answers the native file methods with not-available', async () => {
    const { page } = getApp()
    const answers = await page.evaluate(async () => {
      const token = sessionStorage.getItem('flowbench.token')
      const post = async (method: string, body: unknown) =>
        (
          await fetch(`./api/${method}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify(body),
          })
        ).json()
      return {
        info: await post('app.info', {}),
        open: await post('files.open', {}),
        next: await post('host.nextCommand', {}),
      }
    })
    expect(answers.info).toMatchObject({ ok: true, value: { mode: 'web', nativeFiles: false } })
    expect(answers.open).toMatchObject({ ok: false, error: { code: 'not-available' } })
    expect(answers.next).toMatchObject({ ok: false, error: { code: 'not-available' } })
  })

  it('opens a .flow.json dropped on the window', async () => {
    const {
      page,
      app: { store },
    } = getApp()
    await page.evaluate(
      (text) => {
        const transfer = new DataTransfer()
        transfer.items.add(new File([text], 'dropped.flow.json', { type: 'application/json' }))
        const target = document.querySelector('[data-testid="canvas"]')!
        target.dispatchEvent(
          new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        )
        target.dispatchEvent(
          new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }),
        )
      },
      JSON.stringify(flow('dropped', 'Dropped flow')),
    )
    await page.getByTestId('flow-title').getByText('Dropped flow').waitFor()
    expect(store.getFlow('dropped').draft.flow.nodes).toHaveLength(1)
  })
})
