import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { rendererConfig } from './vite.renderer.config'

/**
 * The code sandboxes' workers (and Python's bootstrap) are loaded by path at run time, next to the
 * main bundle: `new URL('./file', import.meta.url)` in the bundled code points there.
 */
const SANDBOX_FILES = [
  'code.python/worker.mjs',
  'code.python/sandbox.py',
  'code.javascript/quickjs-worker.mjs',
]

function copySandboxWorkers(): Plugin {
  return {
    name: 'flowbench-copy-sandbox-workers',
    closeBundle() {
      const out = resolve(import.meta.dirname, 'out/main')
      mkdirSync(out, { recursive: true })
      for (const file of SANDBOX_FILES)
        copyFileSync(resolve(import.meta.dirname, 'plugins', file), resolve(out, basename(file)))
    },
  }
}

export default defineConfig({
  main: {
    plugins: [copySandboxWorkers()],
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
