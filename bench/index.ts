/**
 * `npm run bench [-- --json <file>] [-- --only <group>]`: runs every benchmark, prints a table
 * with each figure against its target, and writes the figures as JSON when asked.
 */
import { writeFileSync } from 'node:fs'
import { engineBench } from './engine.bench'
import { codeBench } from './code.bench'
import { designerBench } from './designer.bench'
import { pluginsBench } from './plugins.bench'
import { serveBench } from './serve.bench'
import { serveClusterBench } from './serve-cluster.bench'
import { storeBench } from './store.bench'
import { testbenchBench } from './testbench.bench'
import { versusBench } from './versus.bench'
import type { BenchCase, Figure } from './harness'
import { meets } from './harness'

const cases: BenchCase[] = [
  engineBench,
  storeBench,
  pluginsBench,
  codeBench,
  designerBench,
  testbenchBench,
  serveBench,
  serveClusterBench,
  versusBench,
]

function parseArgs(argv: string[]): { json?: string; only?: string } {
  const out: { json?: string; only?: string } = {}
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') out.json = argv[++i]
    else if (argv[i] === '--only') out.only = argv[++i]
    else {
      console.error(`bench: unknown option ${argv[i]}; use --json <file> or --only <group>`)
      process.exit(2)
    }
  }
  return out
}

const args = parseArgs(process.argv.slice(2))
const results: (Figure & { group: string; meetsTarget: boolean | null })[] = []
for (const bench of cases) {
  if (args.only ? bench.group !== args.only : bench.onlyWhenAsked) continue
  process.stderr.write(`running ${bench.group}…\n`)
  for (const figure of await bench.run())
    results.push({ ...figure, group: bench.group, meetsTarget: meets(figure) })
}

const rows = [['GROUP', 'BENCHMARK', 'VALUE', 'UNIT', 'TARGET', 'OK']]
for (const r of results) {
  rows.push([
    r.group,
    r.name,
    r.value.toLocaleString('en-US'),
    r.unit,
    r.target
      ? `${r.target.better === 'higher' ? '≥' : '≤'} ${r.target.value.toLocaleString('en-US')}`
      : '',
    r.meetsTarget === null ? '' : r.meetsTarget ? 'yes' : 'NO',
  ])
}
const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)))
for (const row of rows)
  console.log(
    row
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  )

if (args.json) {
  writeFileSync(
    args.json,
    JSON.stringify(
      {
        at: new Date().toISOString(),
        node: process.version,
        cpus: (await import('node:os')).cpus().length,
        results,
      },
      null,
      2,
    ),
  )
  console.log(`\nwrote ${args.json}`)
}
