/**
 * The cluster's ingest figures (issue 16), part of `npm run bench -- --only serve`: webhook
 * events acknowledged per second by `flowbench serve --queue … --database …` and their p99 at
 * 50 connections, loaded by autocannon from its own process for 10 s, with two `flowbench
 * worker` processes draining the queue meanwhile. Each acknowledgement is an inbox row committed
 * to PostgreSQL and a BullMQ job added to Redis. Runs only when the test servers' addresses are
 * set (FLOWBENCH_TEST_PG_URL, FLOWBENCH_TEST_REDIS_URL: `source scripts/servers.sh &&
 * servers_start`); otherwise it says so and gives no figures.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { spawn } from 'node:child_process'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { BenchCase, Figure } from './harness'
import { webhookLoad } from './harness'

function start(
  args: string[],
  readyPattern: RegExp,
): {
  child: ChildProcessWithoutNullStreams
  ready: Promise<RegExpExecArray>
} {
  const child = spawn(process.execPath, ['bin/flowbench.js', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let buffer = ''
  let errors = ''
  child.stderr.on('data', (c: Buffer) => (errors += c.toString('utf8')))
  const ready = new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      const match = readyPattern.exec(buffer)
      if (match) resolve(match)
      if (buffer.length > 100_000) buffer = buffer.slice(-10_000)
    })
    child.on('exit', (code) => reject(new Error(`${args[0]} exited (${code}): ${errors}`)))
  })
  return { child, ready }
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return
  const gone = new Promise((resolve) => child.on('exit', resolve))
  child.kill('SIGTERM')
  await gone
}

export const serveClusterBench: BenchCase = {
  group: 'serve',
  async run(): Promise<Figure[]> {
    const pgUrl = process.env.FLOWBENCH_TEST_PG_URL
    const redisServer = process.env.FLOWBENCH_TEST_REDIS_URL
    if (!pgUrl || !redisServer) {
      process.stderr.write(
        'serve (cluster): skipped, FLOWBENCH_TEST_PG_URL / FLOWBENCH_TEST_REDIS_URL are not set\n',
      )
      return []
    }
    const database = `fb_bench_${process.pid}`
    const admin = new pg.Client({ connectionString: pgUrl })
    await admin.connect()
    await admin.query(`DROP DATABASE IF EXISTS ${database}`)
    await admin.query(`CREATE DATABASE ${database}`)
    const dbUrl = new URL(pgUrl)
    dbUrl.pathname = `/${database}`
    const redisUrl = `${redisServer.replace(/\/\d*$/, '')}/9`
    const redis = new Redis(redisUrl)
    await redis.flushdb()
    const children: ChildProcessWithoutNullStreams[] = []
    try {
      const server = start(
        [
          'serve',
          'test/fixtures/serve/orders.flow.json',
          '--port',
          '0',
          '--queue',
          redisUrl,
          '--database',
          dbUrl.toString(),
        ],
        /"msg":"serving".*?"port":(\d+)/,
      )
      children.push(server.child)
      const port = Number((await server.ready)[1])
      for (let i = 0; i < 2; i++) {
        const worker = start(
          ['worker', '--queue', redisUrl, '--database', dbUrl.toString(), '--concurrency', '8'],
          /"msg":"worker ready"/,
        )
        children.push(worker.child)
        await worker.ready
      }
      await webhookLoad(port, 50, 2)
      const result = await webhookLoad(port, 50, 10)
      return [
        {
          name: 'cluster: webhook events acknowledged per second (50 connections, 10 s)',
          value: Math.round(result.requests.average),
          unit: 'events/s',
        },
        {
          name: 'cluster: webhook acknowledgement latency p99 (50 connections)',
          value: result.latency.p99,
          unit: 'ms',
        },
        {
          name: 'cluster: failed or non-2xx responses',
          value: result.non2xx + result.errors,
          unit: 'requests',
          target: { value: 0, better: 'lower' },
        },
      ]
    } finally {
      for (const child of children.reverse()) await stop(child)
      redis.disconnect()
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await admin.end()
    }
  },
}
