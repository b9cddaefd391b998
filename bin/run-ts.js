#!/usr/bin/env node
// Runs a TypeScript entry under plain Node through tsx's loader: `node bin/run-ts.js <file.ts> [args…]`.
import { register } from 'tsx/esm/api'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

const [entry, ...rest] = process.argv.slice(2)
if (!entry) {
  console.error('usage: run-ts <file.ts> [args…]')
  process.exit(2)
}
process.argv = [process.argv[0], entry, ...rest]
register()
await import(pathToFileURL(path.resolve(entry)).href)
