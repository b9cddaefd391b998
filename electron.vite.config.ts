import { copyFileSync, mkdirSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import type { MainViteConfig, PreloadViteConfig } from 'electron-vite'
import type { Plugin } from 'vite'
import { buildCsp, cspForMeta } from './src-main/electron/csp'
import { rendererConfig } from './vite.renderer.config'

// Not import.meta.dirname: electron-vite bundles this file next to whichever config imports it and
// rewrites only import.meta.url per module, so this stays right when a test config reuses it.
const root = dirname(fileURLToPath(import.meta.url))

/**
 * The code sandboxes' workers (and Python's bootstrap) are loaded by path at run time, next to the
 * main bundle: `new URL('./file', import.meta.url)` in the bundled code points there.
 */
const SANDBOX_FILES = [
  'code.python/sandbox-process.mjs',
  'code.python/sandbox.py',
  'code.javascript/quickjs-worker.mjs',
]

function copySandboxWorkers(): Plugin {
  return {
    name: 'flowbench-copy-sandbox-workers',
    // Into the folder this build writes, which a test build moves elsewhere with --outDir.
    writeBundle(output) {
      const out = output.dir ?? resolve(root, 'out/main')
      mkdirSync(out, { recursive: true })
      for (const file of SANDBOX_FILES)
        copyFileSync(resolve(root, 'plugins', file), resolve(out, basename(file)))
    },
  }
}

/**
 * Writes the CSP into the app's index.html as a <meta>, a second line behind the header the app://
 * handler sends. Build only: in development @vitejs/plugin-react injects an inline script the
 * strict policy refuses. (Browser mode's build has none; the web host sends the same header.)
 */
export function cspMetaTag(): Plugin {
  return {
    name: 'flowbench-csp-meta',
    apply: 'build',
    transformIndexHtml: () => [
      {
        tag: 'meta',
        attrs: { 'http-equiv': 'Content-Security-Policy', content: cspForMeta(buildCsp()) },
        injectTo: 'head-prepend',
      },
    ],
  }
}

export const mainConfig: MainViteConfig = {
  plugins: [copySandboxWorkers()],
  build: {
    outDir: 'out/main',
    rollupOptions: { input: { index: resolve(root, 'src-main/electron/main.ts') } },
  },
}

export const preloadConfig: PreloadViteConfig = {
  // A sandboxed preload cannot require anything, so everything it uses is bundled in.
  build: {
    outDir: 'out/preload',
    externalizeDeps: false,
    rollupOptions: {
      input: { index: resolve(root, 'src-preload/index.ts') },
      output: { format: 'cjs', entryFileNames: '[name].cjs' },
    },
  },
}

export default defineConfig({
  main: mainConfig,
  preload: preloadConfig,
  renderer: { ...rendererConfig, plugins: [...(rendererConfig.plugins ?? []), cspMetaTag()] },
})
