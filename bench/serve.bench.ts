/**
 * Runner benchmarks (issue 16, local backend): webhook events acknowledged per second by
 * `flowbench serve` and their p99 latency at 50 connections, loaded by autocannon from a second
 * process on loopback for 10 s, as fast as the server answers. Measured twice: with each
 * acknowledgement synced to disk first (group commit, what serve does) and without the sync
 * (FLOWBENCH_UNSAFE_NO_ACK_SYNC=1), to show what durability against a power cut costs. The flows
 * run on serve's worker threads meanwhile. The load average is printed with the figures: this
 * machine is shared, so compare runs taken at similar load.
 */
import { spawn } from 'node:child_process'
import {
  closeSync,
  fdatasyncSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BenchCase, Figure, LoadResult } from './harness'
import { webhookLoad } from './harness'

const CONNECTIONS = 50

interface Measured {
  result: LoadResult
  memoryGrowthMb: number
}

async function measure(sync: boolean): Promise<Measured> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-serve-'))
  const server = spawn(
    process.execPath,
    [
      'bin/flowbench.js',
      'serve',
      'test/fixtures/serve/orders.flow.json',
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FLOWBENCH_UNSAFE_NO_ACK_SYNC: sync ? '0' : '1' },
    },
  )
  try {
    let buffer = ''
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString('utf8')
        const match = /"msg":"serving".*?"port":(\d+)/.exec(buffer)
        if (match) resolve(Number(match[1]))
        if (buffer.length > 100_000) buffer = buffer.slice(-10_000)
      })
      server.on('exit', (code) => reject(new Error(`serve exited (${code})`)))
    })
    const rss = () =>
      Number(readFileSync(`/proc/${server.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) /
      1024
    const memory: number[] = []
    const sampler = setInterval(() => {
      try {
        memory.push(rss())
      } catch {
        // The process may be gone at the very end.
      }
    }, 500)
    // autocannon in its own process, so the load does not share the server's event loop. A short
    // warm-up first, so the figures are the steady state rather than the JIT's first seconds.
    await webhookLoad(port, CONNECTIONS, 2)
    memory.length = 0
    const result = await webhookLoad(port, CONNECTIONS, 10)
    clearInterval(sampler)
    const steady = memory.slice(2)
    return {
      result,
      memoryGrowthMb: steady.length > 1 ? Math.max(...steady) - steady[0]! : 0,
    }
  } finally {
    server.kill('SIGTERM')
    await new Promise((resolve) => server.on('exit', resolve))
    rmSync(dataDir, { recursive: true, force: true })
  }
}

/** This disk's fdatasync latency (ms, p50 and p99): the floor of a synced acknowledgement. */
function fdatasyncLatency(): { p50: number; p99: number } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fb-bench-sync-'))
  const fd = openSync(path.join(dir, 'probe'), 'w')
  const page = Buffer.alloc(4096, 1)
  const times: number[] = []
  try {
    for (let i = 0; i < 100; i++) {
      writeSync(fd, page)
      const t0 = performance.now()
      fdatasyncSync(fd)
      times.push(performance.now() - t0)
    }
  } finally {
    closeSync(fd)
    rmSync(dir, { recursive: true, force: true })
  }
  times.sort((a, b) => a - b)
  return { p50: times[49]!, p99: times[98]! }
}

export const serveBench: BenchCase = {
  group: 'serve',
  async run() {
    const loadBefore = os.loadavg()[0]!
    const disk = fdatasyncLatency()
    const synced = await measure(true)
    const unsynced = await measure(false)
    const loadAfter = os.loadavg()[0]!
    const figures: Figure[] = [
      {
        name: `local: webhook acknowledgements per second, ${CONNECTIONS} connections, synced to disk`,
        value: Math.round(synced.result.requests.average),
        unit: 'events/s',
        target: { value: 5000, better: 'higher' },
      },
      {
        name: 'local: acknowledgement latency p99, synced to disk',
        value: synced.result.latency.p99,
        unit: 'ms',
        target: { value: 10, better: 'lower' },
      },
      {
        name: `local: webhook acknowledgements per second, ${CONNECTIONS} connections, no sync (cost of the sync)`,
        value: Math.round(unsynced.result.requests.average),
        unit: 'events/s',
      },
      {
        name: 'local: acknowledgement latency p99, no sync',
        value: unsynced.result.latency.p99,
        unit: 'ms',
      },
      {
        name: 'failed or non-2xx responses',
        value:
          synced.result.non2xx +
          synced.result.errors +
          unsynced.result.non2xx +
          unsynced.result.errors,
        unit: 'requests',
        target: { value: 0, better: 'lower' },
      },
      {
        name: 'serve memory growth over the measured 10 s (synced run)',
        value: Math.round(synced.memoryGrowthMb),
        unit: 'MB',
        target: { value: 50, better: 'lower' },
      },
      {
        name: `this disk's fdatasync latency p99 (p50 ${disk.p50.toFixed(1)} ms): a synced acknowledgement's floor`,
        value: Math.round(disk.p99 * 10) / 10,
        unit: 'ms',
      },
      {
        name: `machine load average (1 min) before / after, ${os.availableParallelism()} cores`,
        value: Math.round(Math.max(loadBefore, loadAfter) * 10) / 10,
        unit: `load (${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)})`,
      },
    ]
    return figures
  },
}
