import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import * as nodeFs from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DialogFilter, FileDialogs, FileSystem } from './file-service'
import { FileService, writeAtomically } from './file-service'
import { filesInArgv, handOverFiles, HostCommands } from './host-commands'

/** Dialogs that answer what the test scripted and remember what they were asked. */
function fakeDialogs() {
  const answers: (string | null)[] = []
  const asked: {
    kind: 'open' | 'save'
    title: string
    defaultPath?: string
    filters: DialogFilter[]
  }[] = []
  const dialogs: FileDialogs = {
    showOpen: async (options) => (
      asked.push({ kind: 'open', ...options }),
      answers.shift() ?? null
    ),
    showSave: async (options) => (
      asked.push({ kind: 'save', ...options }),
      answers.shift() ?? null
    ),
  }
  return { dialogs, answers, asked }
}

const flowText = (name: string) =>
  JSON.stringify({ schemaVersion: 1, id: 'f', name, nodes: [], edges: [] }, null, 2)

let dir: string
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-files-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function service(
  options: { fs?: FileSystem; onRecentChange?: (list: unknown[], touched: string) => void } = {},
) {
  const fake = fakeDialogs()
  const files = new FileService({
    dialogs: fake.dialogs,
    recentListFile: path.join(dir, 'data', 'recent-files.json'),
    ...options,
  })
  return { files, ...fake }
}

describe('opening a file', () => {
  it('reads the flow the user chose in the dialog and hands out a handle, not a writable path', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    const { files, answers, asked } = service()
    answers.push(file)
    const opened = await files.open()
    expect(opened).toMatchObject({
      path: file,
      name: 'orders.flow.json',
      kind: 'flow',
      text: flowText('Orders'),
    })
    expect(opened!.fileId).toMatch(/^[0-9a-f-]{36}$/)
    expect(asked[0]!.filters.flatMap((f) => f.extensions)).toEqual(
      expect.arrayContaining(['flow.json', 'flowbundle']),
    )
  })

  it('answers null when the user cancels, and reads bundles as bytes', async () => {
    const { files, answers } = service()
    expect(await files.open()).toBeNull()
    const bundle = path.join(dir, 'orders.flowbundle')
    writeFileSync(bundle, Buffer.from([0x50, 0x4b, 3, 4, 0xff]))
    answers.push(bundle)
    const opened = await files.open('bundle')
    expect(opened).toMatchObject({
      kind: 'bundle',
      base64: Buffer.from([0x50, 0x4b, 3, 4, 0xff]).toString('base64'),
    })
    expect(opened!.text).toBeUndefined()
  })

  it('refuses files that are neither flows nor bundles', async () => {
    const { files } = service()
    writeFileSync(path.join(dir, 'notes.txt'), 'hello')
    await expect(files.openPath(path.join(dir, 'notes.txt'))).rejects.toMatchObject({
      code: 'unsupported-file',
    })
    await expect(files.openPath(path.join(dir, 'missing.flow.json'))).rejects.toMatchObject({
      code: 'file-unreadable',
    })
  })
})

describe('saving back', () => {
  it('writes the flow back to the file it was opened from', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    const { files } = service()
    const opened = await files.openPath(file)
    const saved = await files.save(opened.fileId, flowText('Orders v2'))
    expect(saved).toMatchObject({ fileId: opened.fileId, path: file, name: 'orders.flow.json' })
    expect(readFileSync(file, 'utf8')).toBe(flowText('Orders v2'))
    // Saving twice in a row is not a conflict with itself.
    await files.save(opened.fileId, flowText('Orders v3'))
    expect(readFileSync(file, 'utf8')).toBe(flowText('Orders v3'))
  })

  it('asks before overwriting a file that changed on disk since it was opened', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    const { files } = service()
    const opened = await files.openPath(file)
    writeFileSync(file, flowText('Edited in another editor'))
    await expect(files.save(opened.fileId, flowText('Mine'))).rejects.toMatchObject({
      code: 'file-changed',
    })
    expect(readFileSync(file, 'utf8')).toBe(flowText('Edited in another editor'))
    await files.save(opened.fileId, flowText('Mine'), true)
    expect(readFileSync(file, 'utf8')).toBe(flowText('Mine'))
  })

  it('writes a file that was deleted since it was opened again', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    const { files } = service()
    const opened = await files.openPath(file)
    rmSync(file)
    await files.save(opened.fileId, flowText('Back'))
    expect(readFileSync(file, 'utf8')).toBe(flowText('Back'))
  })

  it('writes only through handles it handed out', async () => {
    const { files } = service()
    await expect(files.save('not-a-handle', '{}')).rejects.toMatchObject({ code: 'unknown-file' })
    const bundle = path.join(dir, 'a.flowbundle')
    writeFileSync(bundle, 'zip')
    const opened = await files.openPath(bundle)
    // A bundle's handle cannot be used to write flow text into it.
    await expect(files.save(opened.fileId, '{}')).rejects.toMatchObject({ code: 'unknown-file' })
    expect(readFileSync(bundle, 'utf8')).toBe('zip')
  })

  it('saves as where the dialog says, suggesting a .flow.json name, and links the new file', async () => {
    const { files, answers, asked } = service()
    const target = path.join(dir, 'chosen.flow.json')
    answers.push(target)
    const saved = await files.saveAs(flowText('New'), 'Reorder alerts')
    expect(asked[0]).toMatchObject({ kind: 'save', defaultPath: 'Reorder alerts.flow.json' })
    expect(readFileSync(target, 'utf8')).toBe(flowText('New'))
    await files.save(saved!.fileId, flowText('Newer'))
    expect(readFileSync(target, 'utf8')).toBe(flowText('Newer'))
    expect(await files.saveAs('{}', 'x')).toBeNull()
  })

  it('exports a bundle to the chosen path', async () => {
    const { files, answers, asked } = service()
    const target = path.join(dir, 'out.flowbundle')
    answers.push(target)
    await files.saveBundle(Buffer.from('PK zip').toString('base64'), 'orders.flowbundle')
    expect(asked[0]!.defaultPath).toBe('orders.flowbundle')
    expect(readFileSync(target, 'utf8')).toBe('PK zip')
  })
})

describe('the atomic write', () => {
  it('leaves the old file whole and no temporary file behind when writing fails halfway', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    // The disk fills up after half the bytes reach the temporary file.
    const failing: FileSystem = {
      ...(nodeFs as unknown as FileSystem),
      writeFile: async (target, data, options) => {
        await nodeFs.writeFile(target, data.subarray(0, data.length / 2), options)
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' })
      },
    }
    const { files } = service({ fs: failing })
    const opened = await files.openPath(file)
    await expect(
      files.save(opened.fileId, flowText('A much longer replacement text')),
    ).rejects.toMatchObject({ code: 'file-unwritable' })
    expect(readFileSync(file, 'utf8')).toBe(flowText('Orders'))
    expect(readdirSync(dir).filter((f) => f !== 'data')).toEqual(['orders.flow.json'])
  })

  it('replaces the file by renaming a complete temporary file over it', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, 'old')
    const steps: string[] = []
    const recording: FileSystem = {
      ...(nodeFs as unknown as FileSystem),
      writeFile: async (target, data, options) => {
        steps.push(`write ${path.basename(target)}`)
        await nodeFs.writeFile(target, data, options)
      },
      rename: async (from, to) => {
        steps.push(`rename ${path.basename(from)} -> ${path.basename(to)}`)
        expect(readFileSync(to, 'utf8')).toBe('old')
        await nodeFs.rename(from, to)
      },
    }
    await writeAtomically(recording, file, Buffer.from('new'))
    expect(steps).toEqual([
      expect.stringMatching(/^write \.orders\.flow\.json\.\w+\.tmp$/),
      expect.stringMatching(/^rename \.orders.*\.tmp -> orders\.flow\.json$/),
    ])
    expect(readFileSync(file, 'utf8')).toBe('new')
  })
})

describe('the recent list', () => {
  it('keeps the files opened and saved, newest first, without duplicates, across restarts', async () => {
    const changes: string[] = []
    const { files } = service({
      onRecentChange: (_list, touched) => changes.push(path.basename(touched)),
    })
    for (const name of ['a.flow.json', 'b.flow.json', 'a.flow.json']) {
      writeFileSync(path.join(dir, name), flowText(name))
      await files.openPath(path.join(dir, name))
    }
    expect(files.recent().map((r) => r.name)).toEqual(['a.flow.json', 'b.flow.json'])
    expect(changes).toEqual(['a.flow.json', 'b.flow.json', 'a.flow.json'])
    const restarted = service().files
    expect(restarted.recent()).toEqual([
      { path: path.join(dir, 'a.flow.json'), name: 'a.flow.json', kind: 'flow' },
      { path: path.join(dir, 'b.flow.json'), name: 'b.flow.json', kind: 'flow' },
    ])
    expect((await restarted.openRecent(path.join(dir, 'b.flow.json'))).text).toBe(
      flowText('b.flow.json'),
    )
  })

  it('opens only paths the list holds', async () => {
    const { files } = service()
    writeFileSync(path.join(dir, 'secret.json'), '{"token":"x"}')
    expect(() => files.openRecent(path.join(dir, 'secret.json'))).toThrow(
      /not in the recent files list/,
    )
  })

  it('is capped and can be cleared', async () => {
    const { files } = service()
    for (let i = 0; i < 14; i++) {
      writeFileSync(path.join(dir, `${i}.flow.json`), '{}')
      await files.openPath(path.join(dir, `${i}.flow.json`))
    }
    expect(files.recent()).toHaveLength(10)
    expect(files.recent()[0]!.name).toBe('13.flow.json')
    files.clearRecent()
    expect(service().files.recent()).toEqual([])
  })
})

describe('single instance hand-over', () => {
  it('finds the flow and bundle files on a second launch’s command line', () => {
    const argv = [
      '/opt/Flowbench/flowbench',
      '--no-sandbox',
      'orders.flow.json',
      '/tmp/x.flowbundle',
      'notes.txt',
      'data.json',
    ]
    expect(filesInArgv(argv, '/home/ana')).toEqual([
      '/home/ana/orders.flow.json',
      '/tmp/x.flowbundle',
    ])
  })

  it('hands the files of a second launch to the waiting window', async () => {
    const file = path.join(dir, 'orders.flow.json')
    writeFileSync(file, flowText('Orders'))
    const { files } = service()
    const commands = new HostCommands()
    const waiting = commands.next()
    // What main does on `second-instance` (argv, cwd): the window is already waiting for a command.
    const problems = await handOverFiles(
      filesInArgv(['flowbench', 'orders.flow.json', 'gone.flow.json'], dir),
      { files, commands },
    )
    expect(await waiting).toMatchObject({
      command: 'open-file',
      file: { path: file, kind: 'flow', text: flowText('Orders') },
    })
    expect(problems).toEqual([expect.stringContaining('gone.flow.json')])
    // The handed-over file can be saved back like any opened one.
    const handed = (await waiting)!.file!
    await files.save(handed.fileId, flowText('Edited'))
    expect(readFileSync(file, 'utf8')).toBe(flowText('Edited'))
  })

  it('queues commands until the window asks, and answers a replaced wait with null', async () => {
    const commands = new HostCommands()
    commands.push({ command: 'save' })
    commands.push({ command: 'run' })
    expect(await commands.next()).toEqual({ command: 'save' })
    expect(await commands.next()).toEqual({ command: 'run' })
    const stale = commands.next()
    const fresh = commands.next()
    expect(await stale).toBeNull()
    commands.push({ command: 'new' })
    expect(await fresh).toEqual({ command: 'new' })
    expect(existsSync(dir)).toBe(true)
  })
})
