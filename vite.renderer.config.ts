// The renderer's Vite config, shared by electron-vite (the desktop app) and `npm run web` (browser mode).
import react from '@vitejs/plugin-react'
import { resolve } from 'node:path'
import type { UserConfig } from 'vite'

export const rendererConfig: UserConfig = {
  root: resolve(import.meta.dirname, 'src-renderer'),
  base: './',
  plugins: [react()],
  resolve: {
    alias: {
      '@rjsf/validator-ajv8': resolve(
        import.meta.dirname,
        'src-renderer/inspector/ajv-validator-alias.ts',
      ),
    },
  },
  build: {
    outDir: resolve(import.meta.dirname, 'out/renderer'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 8000,
    rollupOptions: { input: resolve(import.meta.dirname, 'src-renderer/index.html') },
  },
  worker: { format: 'es' },
}

export default rendererConfig
