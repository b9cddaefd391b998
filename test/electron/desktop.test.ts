/**
 * The desktop app as a desktop app, on the built main process under the stand-in for 'electron':
 * one instance per user (a second launch hands its files over), files through the system's
 * dialogs behind the API contract, the app's own menus, and a window that reopens where it was.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { channelOf } from '../../src-shared/api/contract'
import type { MethodName } from '../../src-shared/api/contract'
import type { LaunchedMain, MenuTemplateItem, StandInState } from './launch-main'
import { buildMain, launchMain, launchSecondInstance, senderAt } from './launch-main'

const flowText = (name: string) =>
  JSON.stringify({ schemaVersion: 1, id: 'orders', name, nodes: [], edges: [] }, null, 2)

function caller(electron: StandInState) {
  return async (method: MethodName, arg?: unknown) =>
    (await electron.ipcHandlers.get(channelOf(method))!(
      senderAt('app://flowbench/index.html'),
      arg,
    )) as {
      ok: boolean
      value?: Record<string, unknown> | null
      error?: { code: string; message: string }
    }
}

function menuItem(electron: StandInState, ...labels: string[]): MenuTemplateItem {
  let items = electron.applicationMenu!.template
  let found: MenuTemplateItem | undefined
  for (const label of labels) {
    found = items.find((item) => item.label === label || item.role === label)
    if (!found) throw new Error(`no menu item ${labels.join(' > ')}`)
    items = found.submenu ?? []
  }
  return found!
}

describe('the desktop app', () => {
  let outDir: string
  let files: string
  let main: LaunchedMain
  let call: ReturnType<typeof caller>

  beforeAll(async () => {
    files = mkdtempSync(path.join(os.tmpdir(), 'flowbench-user-files-'))
    writeFileSync(path.join(files, 'orders.flow.json'), flowText('Orders'))
    writeFileSync(path.join(files, 'launched.flow.json'), flowText('Launched'))
    outDir = buildMain('desktop')
    main = await launchMain(outDir, {
      packaged: true,
      argv: [path.join(files, 'launched.flow.json')],
    })
    call = caller(main.electron)
  }, 120_000)

  afterAll(async () => {
    await main?.close()
    rmSync(files, { recursive: true, force: true })
  })

  it('holds the single-instance lock, and opens the file it was launched with', async () => {
    expect(main.electron.singleInstanceLockRequests).toBe(1)
    expect(await call('app.info')).toMatchObject({ ok: true, value: { nativeFiles: true } })
    const first = await call('host.nextCommand')
    expect(first.value).toMatchObject({
      command: 'open-file',
      file: { name: 'launched.flow.json', kind: 'flow', text: flowText('Launched') },
    })
  })

  it('opens and saves through the system dialogs, back to the same file, atomically', async () => {
    main.electron.dialogAnswers.push(path.join(files, 'orders.flow.json'))
    const opened = await call('files.open')
    expect(opened.value).toMatchObject({ name: 'orders.flow.json', text: flowText('Orders') })
    expect(main.electron.dialogsShown.at(-1)).toMatchObject({ kind: 'open', title: 'Open a flow' })

    const saved = await call('files.save', {
      fileId: opened.value!.fileId,
      text: flowText('Orders, edited'),
    })
    expect(saved).toMatchObject({ ok: true, value: { name: 'orders.flow.json' } })
    expect(readFileSync(path.join(files, 'orders.flow.json'), 'utf8')).toBe(
      flowText('Orders, edited'),
    )

    // Someone else changes the file: saving asks first.
    writeFileSync(path.join(files, 'orders.flow.json'), flowText('From git pull'))
    expect(
      await call('files.save', { fileId: opened.value!.fileId, text: flowText('Mine') }),
    ).toMatchObject({ ok: false, error: { code: 'file-changed' } })
    expect(readFileSync(path.join(files, 'orders.flow.json'), 'utf8')).toBe(
      flowText('From git pull'),
    )

    // A cancelled dialog is not an error.
    expect(await call('files.saveAs', { text: '{}', suggestedName: 'x' })).toEqual({
      ok: true,
      value: null,
    })
  })

  it('never writes a path the renderer names', async () => {
    const victim = path.join(files, 'victim.flow.json')
    expect(await call('files.save', { fileId: victim, text: 'owned' })).toMatchObject({
      ok: false,
      error: { code: 'unknown-file' },
    })
    expect(await call('files.save', { fileId: 'x', text: 'owned', path: victim })).toMatchObject({
      ok: false,
      error: { code: 'bad-argument' },
    })
    expect(await call('files.openRecent', { path: '/etc/passwd' })).toMatchObject({
      ok: false,
      error: { code: 'not-recent' },
    })
  })

  it('lists files in Open Recent and the OS’s recent documents', async () => {
    expect(main.electron.recentDocuments).toContain(path.join(files, 'orders.flow.json'))
    const recent = menuItem(main.electron, 'File', 'Open Recent').submenu!.map((i) => i.label)
    expect(recent).toEqual(
      expect.arrayContaining([
        path.join(files, 'orders.flow.json'),
        path.join(files, 'launched.flow.json'),
        'Clear Recent',
      ]),
    )
    expect(await call('files.recent')).toMatchObject({
      ok: true,
      value: expect.arrayContaining([expect.objectContaining({ name: 'orders.flow.json' })]),
    })
  })

  it('hands a second launch’s file to the running window and brings it forward', async () => {
    const waiting = call('host.nextCommand')
    main.window.minimized = true
    main.electron.appEvents.emit(
      'second-instance',
      {},
      ['/opt/Flowbench/flowbench', 'orders.flow.json'],
      files,
    )
    expect((await waiting).value).toMatchObject({
      command: 'open-file',
      file: { path: path.join(files, 'orders.flow.json'), text: flowText('From git pull') },
    })
    expect(main.window.minimized).toBe(false)
    expect(main.window.focused).toBeGreaterThan(0)
  })

  it('opens files the OS sends (macOS open-file)', async () => {
    let prevented = false
    main.electron.appEvents.emit(
      'open-file',
      { preventDefault: () => (prevented = true) },
      path.join(files, 'launched.flow.json'),
    )
    expect(prevented).toBe(true)
    expect((await call('host.nextCommand')).value).toMatchObject({
      command: 'open-file',
      file: { name: 'launched.flow.json' },
    })
  })

  it('has the app’s own menus, whose items reach the window', async () => {
    const top = main.electron.applicationMenu!.template.map((m) => m.label ?? m.role)
    expect(top).toEqual(expect.arrayContaining(['File', 'Edit', 'View', 'Run', 'help']))
    for (const [labels, command] of [
      [['File', 'Save'], 'save'],
      [['Run', 'Run Tests'], 'run-tests'],
      [['File', 'Export Bundle…'], 'export-bundle'],
    ] as const) {
      menuItem(main.electron, ...labels).click!()
      expect((await call('host.nextCommand')).value, labels.join(' > ')).toEqual({ command })
    }
    menuItem(main.electron, 'help', 'Documentation').click!()
    expect(main.electron.openedExternal.at(-1)).toMatch(/^https:\/\//)
  })

  it('asks before closing over unsaved file changes, and closes only when told to', () => {
    const attempt = () => {
      let allowed = false
      main.window.webContents.emit('will-prevent-unload', {
        preventDefault: () => (allowed = true),
      })
      return allowed
    }
    main.electron.messageBoxAnswers.push(1)
    expect(attempt()).toBe(false)
    expect(main.electron.messageBoxes.at(-1)).toMatchObject({
      buttons: ['Close without saving', 'Cancel'],
    })
    main.electron.messageBoxAnswers.push(0)
    expect(attempt()).toBe(true)
  })
})

// Launches one after another: the stand-in records into whichever launch came last.
describe('launching the desktop app again', () => {
  let outDir: string

  beforeAll(() => {
    outDir = buildMain('desktop-again')
  }, 120_000)

  afterAll(() => rmSync(outDir, { recursive: true, force: true }))

  it('lets a second launch quit at once, leaving the first in charge', async () => {
    const second = await launchSecondInstance(outDir, {
      argv: [path.join(os.tmpdir(), 'orders.flow.json')],
    })
    expect(second.singleInstanceLockRequests).toBe(1)
    expect(second.windows).toHaveLength(0)
    expect(second.ipcHandlers.size).toBe(0)
  })

  it('reopens the window where it was left', async () => {
    // A fresh launch in the same data directory, after the user moved and resized the window.
    const first = await launchMain(outDir, {
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'flowbench-electron-')),
    })
    first.window.setBounds({ x: 300, y: 200, width: 1280, height: 800 })
    first.window.close()
    const reused = first.electron.options.userData
    await first.close({ keepData: true, keepBuild: true })
    const again = await launchMain(outDir, { dataDir: reused })
    expect(again.window.options).toMatchObject({ x: 300, y: 200, width: 1280, height: 800 })
    await again.close({ keepBuild: true })
  })
})
