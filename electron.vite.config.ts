import { copyFileSync, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { rendererConfig } from './vite.renderer.config'

/** The Python sandbox's worker and bootstrap are loaded by path at run time, next to the main bundle. */
function copyPythonSandbox(): Plugin {
  return {
    name: 'flowbench-copy-python-sandbox',
    closeBundle() {
      const out = resolve(import.meta.dirname, 'out/main')
      mkdirSync(out, { recursive: true })
      for (const file of ['worker.mjs', 'sandbox.py']) copyFileSync(resolve(import.meta.dirname, 'plugins/code.python', file), resolve(out, file))
    },
  }
}

export default defineConfig({
  main: {
    plugins: [copyPythonSandbox()],
    build: {
      outDir: 'out/main',
      rollupOptions: { input: { index: resolve(import.meta.dirname, 'src-main/electron/main.ts') } },
    },
  },
  preload: {
    // A sandboxed preload cannot require anything, so everything it uses is bundled in.
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
})
