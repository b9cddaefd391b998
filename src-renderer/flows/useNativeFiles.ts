/**
 * Flow files as a desktop app has them, without the renderer knowing which host it is in: where
 * the host has native files (app.info `nativeFiles`), Open and Save go through its dialogs and a
 * flow opened from a file is saved back to it; elsewhere the callers keep the file input and the
 * download. Also: the window title with the file name and an unsaved mark, the prompt before
 * closing over unsaved changes, the host's menu commands, the recent files, and files dropped on
 * the window (in either host).
 */
import { useCallback, useEffect, useRef, useState } from 'react'
import type { BundlePlan, HostCommand, OpenedFile, RecentFile } from '../../src-shared/api/contract'
import { api, call } from '../api/client'

export interface NativeFilesOptions {
  flowId: string | null
  /** The open flow as it would be written to its file. */
  flowText: string | null
  flowName: string | null
  onMessage: (text: string, kind?: 'info' | 'error') => void
  /** Makes a flow from a file's text and opens it; answers its id (null when refused). */
  openText(text: string, fileName: string): Promise<string | null>
  /** Shows a flow that is already in the app. */
  showFlow(flowId: string): void
  /** The designer's own answers to the host's menu items. */
  onCommand(
    command: Exclude<
      HostCommand['command'],
      'open' | 'save' | 'save-as' | 'open-file' | 'import-bundle'
    >,
  ): void
}

interface FileLink {
  fileId: string
  name: string
  /** The flow's text when it was last read from or written to the file; null until the flow has loaded. */
  baseline: string | null
  /** The file's text as last read or written, to tell the same file reopened unchanged. */
  source: string | null
}

export interface NativeFiles {
  native: boolean
  /** The open flow's file and whether it has changes the file does not. */
  fileName: string | null
  dirty: boolean
  recent: RecentFile[]
  /** A bundle waiting for the user's go-ahead in the import dialog. */
  bundle: { base64: string; fileName: string; plan: BundlePlan } | null
  dismissBundle(): void
  open(kind?: 'flow' | 'bundle'): Promise<void>
  openRecent(path: string): Promise<void>
  /** Saves back to the flow's file, or asks where (Save As) when it has none. */
  save(): Promise<void>
  saveAs(): Promise<void>
  /** Writes an exported bundle where the user says; false where the host has no dialogs (download it). */
  saveBundle(base64: string, fileName: string): Promise<boolean>
  /** Reads a dropped or picked file: a flow opens, a bundle goes to the import dialog. */
  openDropped(file: File): Promise<void>
}

export function useNativeFiles(options: NativeFilesOptions): NativeFiles {
  const [native, setNative] = useState(false)
  const [links, setLinks] = useState<Record<string, FileLink>>({})
  const [recent, setRecent] = useState<RecentFile[]>([])
  const [bundle, setBundle] = useState<NativeFiles['bundle']>(null)
  const latest = useRef(options)
  latest.current = options
  const linksRef = useRef(links)
  linksRef.current = links
  const link = options.flowId ? links[options.flowId] : undefined
  const dirty =
    !!link &&
    link.baseline !== null &&
    options.flowText !== null &&
    options.flowText !== link.baseline

  useEffect(() => {
    call('app.info').then(
      (info) => setNative(info.nativeFiles === true),
      () => undefined,
    )
  }, [])

  const refreshRecent = useCallback(async () => {
    const result = await api['files.recent']()
    if (result.ok) setRecent(result.value)
  }, [])
  useEffect(() => {
    if (native) void refreshRecent()
  }, [native, refreshRecent])

  // The baseline is the flow as loaded, not the file's bytes: formatting differences are not changes.
  const { flowId, flowText } = options
  useEffect(() => {
    if (flowId && flowText !== null && links[flowId]?.baseline === null)
      setLinks((all) => ({ ...all, [flowId]: { ...all[flowId]!, baseline: flowText } }))
  }, [flowId, flowText, links])

  const inspect = useCallback(async (base64: string, fileName: string) => {
    try {
      setBundle({ base64, fileName, plan: await call('bundles.inspect', { base64 }) })
    } catch (error) {
      latest.current.onMessage((error as Error).message, 'error')
    }
  }, [])

  const openFile = useCallback(
    async (file: OpenedFile) => {
      if (file.kind === 'bundle') return inspect(file.base64 ?? '', file.name)
      // The same file again, unchanged since: show its flow rather than a copy of it.
      const linked = Object.entries(linksRef.current).find(
        ([, l]) => l.fileId === file.fileId && l.source === file.text,
      )
      if (linked) return latest.current.showFlow(linked[0])
      const flowId = await latest.current.openText(file.text ?? '', file.name)
      if (flowId)
        setLinks((all) => ({
          ...all,
          [flowId]: {
            fileId: file.fileId,
            name: file.name,
            baseline: null,
            source: file.text ?? null,
          },
        }))
      void refreshRecent()
    },
    [inspect, refreshRecent],
  )

  const fail = (error: unknown) => latest.current.onMessage((error as Error).message, 'error')

  const open = useCallback(
    async (kind?: 'flow' | 'bundle') => {
      try {
        const file = await call('files.open', kind ? { kind } : {})
        if (file) await openFile(file)
      } catch (error) {
        fail(error)
      }
    },
    [openFile],
  )

  const openRecent = useCallback(
    async (path: string) => {
      try {
        await openFile(await call('files.openRecent', { path }))
      } catch (error) {
        fail(error)
      }
    },
    [openFile],
  )

  const linkSaved = (flowId: string, fileId: string, name: string, text: string) =>
    setLinks((all) => ({ ...all, [flowId]: { fileId, name, baseline: text, source: text } }))

  const saveAs = useCallback(async () => {
    const { flowId, flowText, flowName } = latest.current
    if (!flowId || flowText === null) return
    try {
      const saved = await call('files.saveAs', {
        text: flowText,
        suggestedName: flowId || flowName || 'flow',
      })
      if (!saved) return
      linkSaved(flowId, saved.fileId, saved.name, flowText)
      latest.current.onMessage(`Saved ${saved.path}`)
      void refreshRecent()
    } catch (error) {
      fail(error)
    }
  }, [refreshRecent])

  const save = useCallback(async () => {
    const { flowId, flowText } = latest.current
    if (!flowId || flowText === null) return
    const current = links[flowId]
    if (!current) return saveAs()
    try {
      let result = await api['files.save']({ fileId: current.fileId, text: flowText })
      if (
        !result.ok &&
        result.error.code === 'file-changed' &&
        window.confirm(result.error.message)
      )
        result = await api['files.save']({
          fileId: current.fileId,
          text: flowText,
          overwrite: true,
        })
      if (!result.ok) {
        if (result.error.code !== 'file-changed') fail(new Error(result.error.message))
        return
      }
      linkSaved(flowId, result.value.fileId, result.value.name, flowText)
      latest.current.onMessage(`Saved ${result.value.name}`)
    } catch (error) {
      fail(error)
    }
  }, [links, saveAs])

  const saveBundle = useCallback(
    async (base64: string, fileName: string) => {
      if (!native) return false
      try {
        const saved = await call('files.saveBundle', { base64, suggestedName: fileName })
        if (saved) latest.current.onMessage(`Exported ${saved.path}`)
      } catch (error) {
        fail(error)
      }
      return true
    },
    [native],
  )

  const openDropped = useCallback(
    async (file: File) => {
      if (file.name.toLowerCase().endsWith('.flowbundle')) {
        const bytes = new Uint8Array(await file.arrayBuffer())
        let binary = ''
        for (let i = 0; i < bytes.length; i += 0x8000)
          binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
        return inspect(btoa(binary), file.name)
      }
      await latest.current.openText(await file.text(), file.name)
    },
    [inspect],
  )

  // Files dropped anywhere on the window (the canvas keeps its own drops from the palette).
  useEffect(() => {
    const ours = (event: DragEvent) => event.dataTransfer?.types.includes('Files') === true
    const over = (event: DragEvent) => {
      if (!ours(event)) return
      event.preventDefault()
      event.dataTransfer!.dropEffect = 'copy'
    }
    const drop = (event: DragEvent) => {
      const file = [...(event.dataTransfer?.files ?? [])].find((f) =>
        /\.(flow\.json|json|flowbundle)$/i.test(f.name),
      )
      if (!file) return
      event.preventDefault()
      event.stopPropagation()
      void openDropped(file).catch(fail)
    }
    window.addEventListener('dragover', over, true)
    window.addEventListener('drop', drop, true)
    return () => {
      window.removeEventListener('dragover', over, true)
      window.removeEventListener('drop', drop, true)
    }
  }, [openDropped])

  const title = link?.name ?? options.flowName
  useEffect(() => {
    document.title = title ? `${title}${dirty ? ' •' : ''} — Flowbench` : 'Flowbench'
  }, [title, dirty])

  // Closing over changes the file lacks asks first (Electron shows its own dialog for this).
  const anyDirty = useRef(false)
  anyDirty.current = dirty
  useEffect(() => {
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (!anyDirty.current) return
      event.preventDefault()
      event.returnValue = ''
    }
    window.addEventListener('beforeunload', beforeUnload)
    return () => window.removeEventListener('beforeunload', beforeUnload)
  }, [])

  // The host's menu items and handed-over files, one long poll at a time.
  const handlers = useRef({ open, save, saveAs, openFile })
  handlers.current = { open, save, saveAs, openFile }
  useEffect(() => {
    if (!native) return
    let stopped = false
    void (async () => {
      while (!stopped) {
        const result = await api['host.nextCommand']()
        if (stopped || !result.ok) return
        const command = result.value
        if (!command) continue
        const h = handlers.current
        if (command.command === 'open') void h.open()
        else if (command.command === 'import-bundle') void h.open('bundle')
        else if (command.command === 'save') void h.save()
        else if (command.command === 'save-as') void h.saveAs()
        else if (command.command === 'open-file') {
          if (command.file) void h.openFile(command.file)
        } else latest.current.onCommand(command.command)
      }
    })()
    return () => {
      stopped = true
    }
  }, [native])

  return {
    native,
    fileName: link?.name ?? null,
    dirty,
    recent,
    bundle,
    dismissBundle: () => setBundle(null),
    open,
    openRecent,
    save,
    saveAs,
    saveBundle,
    openDropped,
  }
}
