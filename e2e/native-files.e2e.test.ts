/// <reference lib="dom" />
/**
 * The renderer in a host with native files (as the desktop app is), in Chromium: a stand-in
 * `window.flowbench` forwards every method to the web host, except the native ones, which answer
 * from a fake host in the page (its file system is a list of writes; its menu is `push`).
 */
import type { Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

interface FakeHost {
  writes: { method: string; fileId?: string; text?: string; overwrite?: boolean }[]
  conflictOnce: boolean
  push(command: unknown): void
}

declare global {
  interface Window {
    fakeHost?: FakeHost
  }
}

/** Runs in the page before the app: the host the renderer talks to. */
function installFakeHost() {
  const token = new URL(location.href).searchParams.get('token')
  const waiters: ((command: unknown) => void)[] = []
  const queue: unknown[] = []
  const host = {
    writes: [] as { method: string; fileId?: string; text?: string; overwrite?: boolean }[],
    conflictOnce: false,
    push(command: unknown) {
      const waiter = waiters.shift()
      if (waiter) waiter({ ok: true, value: command })
      else queue.push(command)
    },
  }
  const native: Record<string, (arg: Record<string, unknown>) => unknown> = {
    'files.recent': () => ({
      ok: true,
      value: [{ path: '/home/ana/recent.flow.json', name: 'recent.flow.json', kind: 'flow' }],
    }),
    'files.open': () => ({ ok: true, value: null }),
    'files.save': (arg) => {
      if (host.conflictOnce && !arg.overwrite) {
        host.conflictOnce = false
        return {
          ok: false,
          error: {
            code: 'file-changed',
            message: 'orders.flow.json changed on disk since it was opened. Overwrite it?',
          },
        }
      }
      host.writes.push({
        method: 'files.save',
        fileId: arg.fileId as string,
        text: arg.text as string,
        overwrite: arg.overwrite === true,
      })
      return {
        ok: true,
        value: {
          fileId: arg.fileId,
          path: '/home/ana/orders.flow.json',
          name: 'orders.flow.json',
          savedAt: new Date().toISOString(),
        },
      }
    },
    'host.nextCommand': () =>
      queue.length
        ? { ok: true, value: queue.shift() }
        : new Promise((resolve) => waiters.push(resolve)),
  }
  const forward = async (method: string, arg: unknown) => {
    const response = await fetch(`./api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: arg === undefined ? '' : JSON.stringify(arg),
    })
    const result = await response.json()
    if (method === 'app.info' && result.ok) result.value = { ...result.value, nativeFiles: true }
    return result
  }
  ;(window as unknown as { fakeHost: typeof host }).fakeHost = host
  ;(window as unknown as { flowbench: unknown }).flowbench = new Proxy(
    {},
    {
      get: (_target, method: string) => async (arg: Record<string, unknown>) =>
        native[method] ? native[method]!(arg) : forward(method, arg),
    },
  )
}

async function openNativePage(): Promise<Page> {
  const { page, host } = getApp()
  const native = await page.context().newPage()
  await native.addInitScript(installFakeHost)
  await native.goto(host.url)
  await native.getByTestId('shell').waitFor()
  return native
}

const orders = JSON.stringify({
  schemaVersion: 1,
  id: 'orders',
  name: 'Orders',
  nodes: [{ id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} }],
  edges: [],
})

describe('flow files in a host with native files', () => {
  it('shows recent files on the empty canvas', async () => {
    const page = await openNativePage()
    await expect(page.getByTestId('recent-files').textContent()).resolves.toContain(
      'recent.flow.json',
    )
    await page.close()
  })

  it('opens a handed-over file, marks unsaved changes, and saves back to it with Ctrl+S', async () => {
    const page = await openNativePage()
    await page.evaluate(
      (text) =>
        window.fakeHost!.push({
          command: 'open-file',
          file: {
            fileId: 'file-1',
            path: '/home/ana/orders.flow.json',
            name: 'orders.flow.json',
            kind: 'flow',
            text,
          },
        }),
      orders,
    )
    await page.getByTestId('flow-file').getByText('orders.flow.json', { exact: true }).waitFor()
    await expect.poll(() => page.title()).toBe('orders.flow.json — Flowbench')

    await page.getByTestId('palette-flow.log').click()
    await page.getByTestId('flow-file').getByText('orders.flow.json •').waitFor()
    await expect.poll(() => page.title()).toBe('orders.flow.json • — Flowbench')

    await page.getByTestId('canvas').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('Control+s')
    await page.getByTestId('flow-file').getByText('orders.flow.json', { exact: true }).waitFor()
    const writes = await page.evaluate(() => window.fakeHost!.writes)
    expect(writes).toHaveLength(1)
    expect(writes[0]).toMatchObject({ method: 'files.save', fileId: 'file-1', overwrite: false })
    expect(JSON.parse(writes[0]!.text!).nodes.map((n: { plugin: string }) => n.plugin)).toEqual([
      'trigger.manual',
      'flow.log',
    ])
    await page.close()
  })

  it('asks before overwriting a file that changed on disk', async () => {
    const page = await openNativePage()
    await page.evaluate(
      (text) =>
        window.fakeHost!.push({
          command: 'open-file',
          file: {
            fileId: 'file-2',
            path: '/home/ana/orders.flow.json',
            name: 'orders.flow.json',
            kind: 'flow',
            text,
          },
        }),
      orders,
    )
    await page.getByTestId('flow-file').waitFor()
    await page.getByTestId('palette-flow.log').click()
    await page.evaluate(() => (window.fakeHost!.conflictOnce = true))
    const asked: string[] = []
    page.on('dialog', (dialog) => void (asked.push(dialog.message()), dialog.accept()))
    await page.evaluate(() => window.fakeHost!.push({ command: 'save' }))
    await expect.poll(() => page.evaluate(() => window.fakeHost!.writes.length)).toBe(1)
    expect(asked).toEqual([expect.stringContaining('changed on disk')])
    expect(await page.evaluate(() => window.fakeHost!.writes[0])).toMatchObject({
      fileId: 'file-2',
      overwrite: true,
    })
    await page.close()
  })

  it('shows the flow of a file opened again unchanged, instead of a copy', async () => {
    const page = await openNativePage()
    const file = {
      fileId: 'file-3',
      path: '/home/ana/orders.flow.json',
      name: 'orders.flow.json',
      kind: 'flow',
      text: orders,
    }
    await page.evaluate((f) => window.fakeHost!.push({ command: 'open-file', file: f }), file)
    await page.getByTestId('flow-file').waitFor()
    await page.evaluate((f) => window.fakeHost!.push({ command: 'open-file', file: f }), file)
    await page.evaluate(
      (f) =>
        window.fakeHost!.push({
          command: 'open-file',
          file: { ...f, text: f.text.replace('Orders', 'Orders v2') },
        }),
      file,
    )
    await page.getByTestId('flow-title').getByText('Orders v2').waitFor()
    const { store } = getApp().app
    expect(
      store
        .listFlows({ includeDeleted: true })
        .map((f) => f.name)
        .sort(),
    ).toEqual(['Orders', 'Orders v2'])
    await page.close()
  })

  it('answers the menu’s About', async () => {
    const page = await openNativePage()
    await page.evaluate(() => window.fakeHost!.push({ command: 'about' }))
    await page.getByTestId('about').waitFor()
    await page.close()
  })
})
