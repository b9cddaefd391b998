/** The benchmark harness: each case returns figures; the table and `--json <file>` show them. */
import { execFileSync, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface Figure {
  name: string
  value: number
  unit: string
  /** The target, and whether bigger is better. */
  target?: { value: number; better: 'higher' | 'lower' }
}

export interface BenchCase {
  group: string
  /** Runs only when named with `--only` (it fetches software the first time). */
  onlyWhenAsked?: boolean
  run(): Promise<Figure[]>
}

/**
 * Builds the browser renderer the Chromium benchmarks open, when any of its sources is newer
 * than the build (scripts/build-web.js, as the end-to-end tests do): a fresh clone has none.
 */
export function buildRendererIfStale(): void {
  const script = fileURLToPath(new URL('../scripts/build-web.js', import.meta.url))
  execFileSync(process.execPath, [script], { stdio: ['ignore', 'ignore', 'inherit'] })
}

export function meets(figure: Figure): boolean | null {
  if (!figure.target) return null
  return figure.target.better === 'higher'
    ? figure.value >= figure.target.value
    : figure.value <= figure.target.value
}

/** Calls `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
export async function throughput(
  fn: () => unknown,
  options: { ms?: number; warmup?: number; batch?: number } = {},
): Promise<number> {
  const { ms = 1500, warmup = 1000, batch = 100 } = options
  for (let i = 0; i < warmup; i++) await fn()
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) await fn()
    count += batch
    elapsed = performance.now() - start
  }
  return (count / elapsed) * 1000
}

/** Same for synchronous work, without the cost of await in the loop. */
export function throughputSync(
  fn: () => unknown,
  options: { ms?: number; warmup?: number; batch?: number } = {},
): number {
  const { ms = 1000, warmup = 10000, batch = 1000 } = options
  for (let i = 0; i < warmup; i++) fn()
  let count = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) fn()
    count += batch
    elapsed = performance.now() - start
  }
  return (count / elapsed) * 1000
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc
  if (collect) {
    collect()
    collect()
  }
}

export function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024
}

/** What autocannon reports about a load (the fields the serve benches read). */
export interface LoadResult {
  requests: { average: number; total: number }
  latency: { p99: number; p50: number }
  non2xx: number
  errors: number
}

/**
 * Webhook acknowledgements under load: autocannon in its own process (so it does not share the
 * server's event loop) POSTs a small order to `/hooks/orders` on `connections` connections.
 */
export async function webhookLoad(
  port: number,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  const load = spawn(
    process.execPath,
    [
      'node_modules/autocannon/autocannon.js',
      '--json',
      '-c',
      String(connections),
      '-d',
      String(seconds),
      '-m',
      'POST',
      '-H',
      'content-type=application/json',
      '-b',
      JSON.stringify({ customer: 'bench', total: 1 }),
      `http://127.0.0.1:${port}/hooks/orders`,
    ],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  )
  let output = ''
  load.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')))
  await new Promise((resolve) => load.on('exit', resolve))
  return JSON.parse(output) as LoadResult
}
