/**
 * The environments and secrets the app knows (names and fields only, never a value), shared by
 * the Secrets panel, the validator in the designer and the test bench's environment label.
 */
import { create } from 'zustand'
import type { EnvironmentsState } from '../../src-shared/api/contract'
import { call } from '../api/client'

interface EnvironmentsStore {
  state: EnvironmentsState | null
  refresh(): Promise<void>
  apply(next: EnvironmentsState): void
}

export const useEnvironments = create<EnvironmentsStore>((set) => ({
  state: null,
  async refresh() {
    set({ state: await call('secrets.list') })
  },
  apply(next) {
    set({ state: next })
  },
}))

export { environmentNames } from './environment-names'
