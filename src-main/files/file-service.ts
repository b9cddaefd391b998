/**
 * Flow files and bundles on the user's disk, through the host's own dialogs: open, save back to the
 * file a flow came from (atomically, and only after asking when the file changed on disk), save as,
 * and the recent list. Plain Node with the dialogs and the file system injected, so it is tested
 * without Electron; the Electron entry passes `dialog.showOpenDialog`/`showSaveDialog`.
 *
 * The renderer never names a path to write: opening or saving through a dialog hands out a
 * `fileId`, and only those can be written again. A page that goes rogue can therefore overwrite
 * the files the user chose, and nothing else.
 */
import { createHash, randomUUID } from 'node:crypto'
import * as nodeFs from 'node:fs/promises'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { OpenedFile, RecentFile, SavedFile } from '../../src-shared/api/contract'
import { ApiFailure } from '../../src-shared/api/result'

export type FileKind = 'flow' | 'bundle'

export interface DialogFilter {
  name: string
  extensions: string[]
}

/** The host's file dialogs; each answers the chosen path, or null when the user cancelled. */
export interface FileDialogs {
  showOpen(options: { title: string; filters: DialogFilter[] }): Promise<string | null>
  showSave(options: {
    title: string
    defaultPath: string
    filters: DialogFilter[]
  }): Promise<string | null>
}

/** The few file operations the service needs (node:fs/promises by default). */
export interface FileSystem {
  readFile(file: string): Promise<Buffer>
  writeFile(file: string, data: Uint8Array, options: { flag: 'wx'; flush: boolean }): Promise<void>
  rename(from: string, to: string): Promise<void>
  unlink(file: string): Promise<void>
}

export interface FileServiceOptions {
  dialogs: FileDialogs
  /** Where the recent list is kept (a small JSON file in the data directory). */
  recentListFile: string
  fs?: FileSystem
  maxRecent?: number
  /** Told after every change to the recent list (the File menu, the OS's recent documents). */
  onRecentChange?: (recent: RecentFile[], touched: string) => void
  now?: () => Date
}

/** Files larger than this are not flows or bundles anyone made by hand; refuse before reading. */
export const MAX_FILE_BYTES = 48 * 1024 * 1024

const FLOW_FILTERS: DialogFilter[] = [{ name: 'Flowbench flow', extensions: ['flow.json', 'json'] }]
const BUNDLE_FILTERS: DialogFilter[] = [{ name: 'Flowbench bundle', extensions: ['flowbundle'] }]

/** `.flowbundle` is a bundle; `*.json` (`.flow.json` by convention) is a flow; nothing else opens. */
export function kindOfPath(file: string): FileKind | null {
  const lower = file.toLowerCase()
  if (lower.endsWith('.flowbundle')) return 'bundle'
  if (lower.endsWith('.json')) return 'flow'
  return null
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

interface Handle {
  path: string
  kind: FileKind
  /** What the file held when it was last read or written here; a different hash means someone else wrote it. */
  sha256: string | null
}

export class FileService {
  private readonly dialogs: FileDialogs
  private readonly fs: FileSystem
  private readonly handles = new Map<string, Handle>()
  private readonly maxRecent: number
  private recentList: { path: string; kind: FileKind }[]

  constructor(private readonly options: FileServiceOptions) {
    this.dialogs = options.dialogs
    this.fs = options.fs ?? (nodeFs as unknown as FileSystem)
    this.maxRecent = options.maxRecent ?? 10
    this.recentList = readRecentList(options.recentListFile)
  }

  /** Shows the open dialog for flows (default) or bundles; null when the user cancelled. */
  async open(kind: FileKind = 'flow'): Promise<OpenedFile | null> {
    const chosen = await this.dialogs.showOpen({
      title: kind === 'flow' ? 'Open a flow' : 'Import a bundle',
      filters: kind === 'flow' ? [...FLOW_FILTERS, ...BUNDLE_FILTERS] : BUNDLE_FILTERS,
    })
    return chosen ? this.openPath(chosen) : null
  }

  /**
   * Reads a file the user pointed at outside the window (a dialog, a second launch, the OS's
   * "open with", the recent list). Main calls this; the renderer reaches it only through those.
   */
  async openPath(file: string): Promise<OpenedFile> {
    const absolute = path.resolve(file)
    const kind = kindOfPath(absolute)
    if (!kind)
      throw new ApiFailure(
        'unsupported-file',
        `${path.basename(absolute)} is neither a .flow.json file nor a .flowbundle`,
      )
    let data: Buffer
    try {
      data = await this.fs.readFile(absolute)
    } catch (error) {
      throw new ApiFailure(
        'file-unreadable',
        `Cannot read ${absolute}: ${(error as Error).message}`,
      )
    }
    if (data.length > MAX_FILE_BYTES)
      throw new ApiFailure(
        'file-too-large',
        `${path.basename(absolute)} is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`,
      )
    const fileId = this.grant({ path: absolute, kind, sha256: sha256(data) })
    this.touchRecent(absolute, kind)
    const opened: OpenedFile = { fileId, path: absolute, name: path.basename(absolute), kind }
    if (kind === 'flow') opened.text = data.toString('utf8')
    else opened.base64 = data.toString('base64')
    return opened
  }

  /** Opens an entry of the recent list; any other path is refused (it did not come from the user). */
  openRecent(file: string): Promise<OpenedFile> {
    if (!this.recentList.some((entry) => entry.path === file))
      throw new ApiFailure('not-recent', `${file} is not in the recent files list`)
    return this.openPath(file)
  }

  recent(): RecentFile[] {
    return this.recentList.map((entry) => ({ ...entry, name: path.basename(entry.path) }))
  }

  clearRecent(): void {
    this.recentList = []
    this.persistRecent('')
  }

  /** Writes a flow back to the file its `fileId` stands for. */
  async save(fileId: string, text: string, overwrite = false): Promise<SavedFile> {
    const handle = this.handles.get(fileId)
    if (!handle || handle.kind !== 'flow')
      throw new ApiFailure(
        'unknown-file',
        'This flow is not linked to a file any more; use Save As',
      )
    if (!overwrite && handle.sha256 !== null) {
      const current = await this.fs.readFile(handle.path).catch(() => null)
      // A file deleted since is simply written again; one with other content is someone else's work.
      if (current && sha256(current) !== handle.sha256)
        throw new ApiFailure(
          'file-changed',
          `${path.basename(handle.path)} changed on disk since it was opened. Overwrite it?`,
        )
    }
    return this.write(fileId, handle, Buffer.from(text, 'utf8'))
  }

  async saveAs(text: string, suggestedName: string): Promise<SavedFile | null> {
    const chosen = await this.dialogs.showSave({
      title: 'Save the flow as',
      defaultPath: safeFileName(suggestedName, '.flow.json'),
      filters: FLOW_FILTERS,
    })
    if (!chosen) return null
    const absolute = path.resolve(chosen)
    const handle: Handle = { path: absolute, kind: 'flow', sha256: null }
    return this.write(this.grant(handle), handle, Buffer.from(text, 'utf8'))
  }

  async saveBundle(base64: string, suggestedName: string): Promise<SavedFile | null> {
    const chosen = await this.dialogs.showSave({
      title: 'Export the bundle',
      defaultPath: safeFileName(suggestedName, '.flowbundle'),
      filters: BUNDLE_FILTERS,
    })
    if (!chosen) return null
    const absolute = path.resolve(chosen)
    const handle: Handle = { path: absolute, kind: 'bundle', sha256: null }
    return this.write(this.grant(handle), handle, Buffer.from(base64, 'base64'))
  }

  private grant(handle: Handle): string {
    // One handle per path: saving through an older id of the same file sees the same hash.
    for (const [id, existing] of this.handles) {
      if (existing.path === handle.path) {
        this.handles.set(id, handle)
        return id
      }
    }
    const id = randomUUID()
    this.handles.set(id, handle)
    return id
  }

  private async write(fileId: string, handle: Handle, data: Buffer): Promise<SavedFile> {
    try {
      await writeAtomically(this.fs, handle.path, data)
    } catch (error) {
      throw new ApiFailure(
        'file-unwritable',
        `Cannot write ${handle.path}: ${(error as Error).message}`,
      )
    }
    handle.sha256 = sha256(data)
    this.touchRecent(handle.path, handle.kind)
    return {
      fileId,
      path: handle.path,
      name: path.basename(handle.path),
      savedAt: (this.options.now?.() ?? new Date()).toISOString(),
    }
  }

  private touchRecent(file: string, kind: FileKind): void {
    this.recentList = [
      { path: file, kind },
      ...this.recentList.filter((entry) => entry.path !== file),
    ].slice(0, this.maxRecent)
    this.persistRecent(file)
  }

  private persistRecent(touched: string): void {
    try {
      mkdirSync(path.dirname(this.options.recentListFile), { recursive: true })
      writeFileSync(
        this.options.recentListFile,
        JSON.stringify({ files: this.recentList }, null, 2),
      )
    } catch {
      // The recent list is a convenience; a read-only data directory must not block saving.
    }
    this.options.onRecentChange?.(this.recent(), touched)
  }
}

/**
 * Writes beside the target, then renames over it: a crash or a full disk leaves either the old file
 * or the new one, never half of each (rename within one directory is atomic on every OS we ship to).
 */
export async function writeAtomically(
  fs: FileSystem,
  target: string,
  data: Uint8Array,
): Promise<void> {
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${randomUUID().slice(0, 8)}.tmp`,
  )
  try {
    await fs.writeFile(temporary, data, { flag: 'wx', flush: true })
    await fs.rename(temporary, target)
  } catch (error) {
    await fs.unlink(temporary).catch(() => undefined)
    throw error
  }
}

function safeFileName(name: string, extension: string): string {
  // Characters no OS accepts in a file name (and control characters) become `_`.
  const cleaned = [...path.basename(name)]
    .map((c) => (c < ' ' || '<>:"/\\|?*'.includes(c) ? '_' : c))
    .join('')
  const base = cleaned || 'flow'
  return base.toLowerCase().endsWith(extension) ? base : `${base}${extension}`
}

function readRecentList(file: string): { path: string; kind: FileKind }[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { files?: unknown }
    if (!Array.isArray(parsed.files)) return []
    return parsed.files.filter(
      (entry): entry is { path: string; kind: FileKind } =>
        typeof entry?.path === 'string' && (entry.kind === 'flow' || entry.kind === 'bundle'),
    )
  } catch {
    return []
  }
}
