#!/usr/bin/env node
// The `flowbench` command. Runs the TypeScript CLI through tsx so no build step is needed after `npm install`.
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

// tsconfig.node.json: the compiler options the type-check uses (class fields set by assignment).
register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) })
const { main } = await import('../src-main/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
