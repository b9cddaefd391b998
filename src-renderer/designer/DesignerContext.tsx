import { createContext, useContext } from 'react'
import type { ReactNode } from 'react'
import { useStore } from 'zustand'
import type { DesignerStore, DesignerStoreApi } from './designer-store'

const DesignerContext = createContext<DesignerStoreApi | null>(null)

export function DesignerProvider({
  store,
  children,
}: {
  store: DesignerStoreApi
  children: ReactNode
}) {
  return <DesignerContext.Provider value={store}>{children}</DesignerContext.Provider>
}

export function useDesignerApi(): DesignerStoreApi {
  const store = useContext(DesignerContext)
  if (!store) throw new Error('useDesigner must be used inside <DesignerProvider>')
  return store
}

export function useDesigner<T>(selector: (state: DesignerStore) => T): T {
  return useStore(useDesignerApi(), selector)
}

export function useHistoryState(): { canUndo: boolean; canRedo: boolean } {
  const api = useDesignerApi()
  const canUndo = useStore(api.temporal, (s) => s.pastStates.length > 0)
  const canRedo = useStore(api.temporal, (s) => s.futureStates.length > 0)
  return { canUndo, canRedo }
}
