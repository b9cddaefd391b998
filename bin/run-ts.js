#!/usr/bin/env node
// Runs a TypeScript entry under plain Node through tsx's loader: `node bin/run-ts.js <file.ts> [args…]`.
import { register } from 'tsx/esm/api'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const [entry, ...rest] = process.argv.slice(2)
if (!entry) {
  console.error('usage: run-ts <file.ts> [args…]')
  process.exit(2)
}
process.argv = [process.argv[0], entry, ...rest]
// tsconfig.node.json: the compiler options the type-check uses (class fields set by assignment).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) })
await import(pathToFileURL(path.resolve(entry)).href)
