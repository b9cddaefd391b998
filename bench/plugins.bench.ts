/** Plugin benchmarks (issue: Plugins): loading the whole registry in a fresh process. */
import { spawnSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { build } from 'esbuild'
import type { BenchCase } from './harness'

export const pluginsBench: BenchCase = {
  group: 'plugins',
  async run() {
    // Bundled as the app ships its main process, then loaded in a fresh Node process each time.
    const dir = path.join('node_modules', '.cache', 'flowbench-bench')
    mkdirSync(dir, { recursive: true })
    const entry = path.join(dir, 'load-registry.ts')
    const { writeFileSync } = await import('node:fs')
    writeFileSync(
      entry,
      `const t0 = performance.now()\nconst { PluginRegistry } = await import(${JSON.stringify(path.resolve('src-main/plugins-host/registry.ts'))})\nconst registry = PluginRegistry.withBuiltins()\nregistry.describe()\nconsole.log(JSON.stringify({ ms: performance.now() - t0, count: registry.size }))\n`,
    )
    const outfile = path.join(dir, 'load-registry.mjs')
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      packages: 'external',
      logLevel: 'warning',
    })
    const times: number[] = []
    let count = 0
    for (let i = 0; i < 5; i++) {
      const result = spawnSync(process.execPath, [outfile], { encoding: 'utf8' })
      if (result.status !== 0) throw new Error(`loading the registry failed: ${result.stderr}`)
      const figures = JSON.parse(result.stdout) as { ms: number; count: number }
      times.push(figures.ms)
      count = figures.count
    }
    times.sort((a, b) => a - b)
    return [
      {
        name: `load the registry (${count} built-ins) in a fresh process (median)`,
        value: Math.round(times[2]! * 10) / 10,
        unit: 'ms',
        target: { value: 200, better: 'lower' },
      },
    ]
  },
}
