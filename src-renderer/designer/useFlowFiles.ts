import type { ExportSource } from './ExportDialog'
import { useCallback, useMemo } from 'react'
import type { Flow } from '../../src-shared/flow/types'
import { call } from '../api/client'
import type { NativeFilesOptions } from '../flows/useNativeFiles'
import { useNativeFiles } from '../flows/useNativeFiles'
import type { DesignerStoreApi } from './designer-store'

/** A flow as its `.flow.json` file holds it. */
export function flowFileText(flow: Flow): string {
  return JSON.stringify(flow, null, 2) + '\n'
}

/** Saves a blob through the browser's download. */
function download(blob: Blob, fileName: string): void {
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = fileName
  link.click()
  setTimeout(() => URL.revokeObjectURL(link.href), 1000)
}

/**
 * The open flow's files: its `.flow.json` (saved back to its file in the desktop app, downloaded
 * in a browser), the exported `.flowbundle`, and the host's file menu and recent files.
 */
export function useFlowFiles({
  store,
  flow,
  onMessage,
  openText,
  showFlow,
  onCommand,
}: {
  store: DesignerStoreApi
  flow: Flow | null
} & Pick<NativeFilesOptions, 'onMessage' | 'openText' | 'showFlow' | 'onCommand'>) {
  const flowText = useMemo(() => (flow ? flowFileText(flow) : null), [flow])
  const files = useNativeFiles({
    flowId: flow ? store.getState().flowId : null,
    flowText,
    flowName: flow?.name ?? null,
    onMessage,
    openText,
    showFlow,
    onCommand,
  })

  /** Downloads production (or the draft), with its tests and plugins, as a `.flowbundle`. */
  const { saveBundle } = files
  const exportBundle = useCallback(
    async (source: ExportSource) => {
      const id = store.getState().flowId
      if (!id) return
      try {
        const { fileName, base64 } = await call('bundles.export', { flowIds: [id], source })
        if (await saveBundle(base64, fileName)) return
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0))
        download(new Blob([bytes], { type: 'application/zip' }), fileName)
      } catch (error) {
        onMessage((error as Error).message, 'error')
      }
    },
    [store, saveBundle, onMessage],
  )

  /** Saves the draft to its file (the desktop app), or downloads it as `<id>.flow.json` (a browser). */
  const { native: nativeFiles, save: saveFileBack } = files
  const saveToFile = useCallback(() => {
    const current = store.getState().flow
    if (!current) return
    if (nativeFiles) return void saveFileBack()
    download(
      new Blob([flowFileText(current)], { type: 'application/json' }),
      `${current.id}.flow.json`,
    )
  }, [store, nativeFiles, saveFileBack])

  return { files, exportBundle, saveToFile }
}
