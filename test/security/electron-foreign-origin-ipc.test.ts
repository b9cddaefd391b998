/**
 * Attack: a page that is not the app calls the API over IPC. Before, every file:// page was
 * trusted (any local HTML file shares that "origin"), and an iframe was judged by its own URL.
 * Now only the top frame of app://flowbench may call, and a foreign call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channelOf, methodNames } from '../../src-shared/api/contract'
import type { LaunchedMain } from '../electron/launch-main'
import { buildMain, launchMain, senderAt } from '../electron/launch-main'

let main: LaunchedMain
const app = senderAt('app://flowbench/index.html')

beforeAll(async () => {
  main = await launchMain(buildMain('security-foreign-ipc'), { packaged: true })
}, 120_000)

afterAll(async () => {
  await main?.close()
})

const foreignSenders = {
  'a local HTML file': senderAt('file:///home/user/Downloads/flow-docs.html'),
  'the old file:// renderer path': senderAt(
    'file:///opt/Flowbench/resources/app.asar/out/renderer/index.html',
  ),
  'a web page': senderAt('https://evil.example/'),
  'another app:// host': senderAt('app://evil/index.html'),
  'an iframe inside the app window': senderAt('app://flowbench/index.html', {
    url: 'app://flowbench/index.html',
  }),
  'a frame that is gone': { senderFrame: null },
}

describe('IPC from anything but the app window', () => {
  it.each(Object.entries(foreignSenders))('refuses every method to %s', async (_name, sender) => {
    for (const method of methodNames) {
      const result = await main.electron.ipcHandlers.get(channelOf(method))!(sender)
      expect(result, method).toMatchObject({ ok: false, error: { code: 'forbidden-sender' } })
    }
  })

  it('leaves the user’s data untouched', async () => {
    for (const sender of Object.values(foreignSenders)) {
      await main.electron.ipcHandlers.get(channelOf('flows.create'))!(sender, {
        id: 'planted',
        name: 'Planted',
      })
    }
    const listed = (await main.electron.ipcHandlers.get(channelOf('flows.list'))!(app)) as {
      ok: true
      value: { id: string }[]
    }
    expect(listed.ok).toBe(true)
    expect(listed.value.map((flow) => flow.id)).not.toContain('planted')
  })

  it('still answers the app window', async () => {
    const created = await main.electron.ipcHandlers.get(channelOf('flows.create'))!(app, {
      id: 'mine',
      name: 'Mine',
    })
    expect(created).toMatchObject({ ok: true })
  })
})
