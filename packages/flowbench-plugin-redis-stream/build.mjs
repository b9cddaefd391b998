// Bundles the plugin and ioredis into one ES module: an installed plugin folder has no
// node_modules of its own, so everything it imports (except Node built-ins) must be inside.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = path.dirname(fileURLToPath(import.meta.url))
const outdir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(here, 'dist')

await build({
  entryPoints: [path.join(here, 'src/index.ts')],
  outfile: path.join(outdir, 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // ioredis is CommonJS and calls require() for Node built-ins.
  banner: {
    js: "import { createRequire as __flowbenchRequire } from 'node:module'; const require = __flowbenchRequire(import.meta.url);",
  },
  logLevel: 'warning',
})
