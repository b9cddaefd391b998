/**
 * What the cluster tests share: a fresh PostgreSQL database per test (files run in parallel and
 * must not see each other's rows), an ingest node in this process (serve with the distributed
 * backend), workers in this process or as real `flowbench worker` processes, and a private Redis
 * with AOF that a test may SIGKILL and restart.
 */
import type { ChildProcess } from 'node:child_process'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { Redis } from 'ioredis'
import pg from 'pg'
import type { Flow } from '../../src-shared/flow/types'
import { ClusterDatabase } from '../../src-main/cluster/database'
import { deployToCluster } from '../../src-main/cluster/deploy'
import { DistributedBackend } from '../../src-main/cluster/distributed-backend'
import type { ClusterWorker } from '../../src-main/cluster/worker'
import { startClusterWorker } from '../../src-main/cluster/worker'
import { loadFlow } from '../../src-main/engine/load'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import type { Server } from '../../src-main/runtime/serve'
import { serve } from '../../src-main/runtime/serve'
import { buildFlow, repoRoot } from '../fixtures/flows'

export const registry = PluginRegistry.withBuiltins()

/** A flow that adds 1 to the profile's `count` for every `tick` event. */
export function counterFlow(
  id = 'counter',
  extra: [string, string, Record<string, unknown>][] = [],
) {
  const nodes: [string, string, Record<string, unknown>][] = [
    ['start', 'trigger.event', { eventTypes: ['tick'] }],
    ['inc', 'data.increment', { path: 'profile@traits.count', by: 1 }],
    ...extra,
  ]
  const edges = ['start.payload -> inc']
  for (let i = 0; i < extra.length; i++)
    edges.push(`${i === 0 ? 'inc' : extra[i - 1]![0]}.payload -> ${extra[i]![0]}`)
  return buildFlow(nodes, edges, id)
}

let databases = 0

/** A new, empty database on the test server; `drop` removes it. */
export async function freshDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const database = `fb_${name}_${process.pid}_${++databases}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${database}`)
  await admin.query(`CREATE DATABASE ${database}`)
  await admin.end()
  const url = new URL(serverUrl)
  url.pathname = `/${database}`
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      await client.end()
    },
  }
}

/** The Redis URL with a database number of its own, emptied. */
export async function freshRedis(serverUrl: string, db: number): Promise<string> {
  const url = `${serverUrl.replace(/\/\d*$/, '')}/${db}`
  const redis = new Redis(url, { maxRetriesPerRequest: 1 })
  await redis.flushdb()
  redis.disconnect()
  return url
}

export interface IngestNode {
  server: Server
  backend: DistributedBackend
  db: ClusterDatabase
  url: string
  close(): Promise<void>
}

/** `serve --queue … --database …` in this process, deploying the flows first. */
export async function startIngest(
  databaseUrl: string,
  redisUrl: string,
  flows: Flow[],
  options: { reconcileAfterMs?: number; reconcileEveryMs?: number; queueTimeoutMs?: number } = {},
): Promise<IngestNode> {
  const db = await ClusterDatabase.open(databaseUrl, { maxConnections: 30 })
  const deployed = await deployToCluster(db, {
    flows,
    content: null,
    plugins: [],
    manifest: { test: true },
  })
  let backend!: DistributedBackend
  const server = await serve({
    flows: flows.map((flow) => ({ flow, revision: deployed.revision })),
    plugins: registry,
    port: 0,
    log: () => {},
    backend: (context) => {
      backend = new DistributedBackend({
        db,
        redisUrl,
        plugins: context.plugins,
        environment: context.environment,
        log: context.log,
        ...options,
      })
      return backend
    },
  })
  return { server, backend, db, url: server.url, close: () => server.close() }
}

/** `flowbench worker` in this process. */
export async function startWorker(
  databaseUrl: string,
  redisUrl: string,
  concurrency = 4,
): Promise<ClusterWorker & { db: ClusterDatabase }> {
  const db = await ClusterDatabase.open(databaseUrl, { maxConnections: concurrency + 4 })
  const worker = await startClusterWorker({
    db,
    redisUrl,
    concurrency,
    plugins: registry,
    environment: () => ({ name: 'production', vars: {}, secrets: {} }),
    load: (flow) => Promise.resolve({ loaded: loadFlow(flow, registry) }),
    log: () => {},
  })
  return {
    db,
    async close() {
      await worker.close()
      await db.close()
    },
  }
}

export interface WorkerProcess {
  child: ChildProcess
  output: { stdout: string; stderr: string }
  ready: Promise<void>
  exited: Promise<number | null>
}

/** A real `flowbench worker` process; `ready` once it takes jobs. */
export function spawnWorker(
  databaseUrl: string,
  redisUrl: string,
  options: { concurrency?: number; env?: Record<string, string>; args?: string[] } = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bin/flowbench.js'),
      'worker',
      '--queue',
      redisUrl,
      '--database',
      databaseUrl,
      '--concurrency',
      String(options.concurrency ?? 4),
      ...(options.args ?? []),
    ],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output = { stdout: '', stderr: '' }
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output.stdout += chunk.toString('utf8')
      if (output.stdout.includes('"msg":"worker ready"')) resolve()
    })
    child.stderr!.on('data', (chunk: Buffer) => (output.stderr += chunk.toString('utf8')))
    void exited.then((code) => reject(new Error(`worker exited (${code}): ${output.stderr}`)))
  })
  ready.catch(() => {})
  return { child, output, ready, exited }
}

export async function stopWorker(worker: WorkerProcess): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return
  worker.child.kill('SIGTERM')
  await worker.exited
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.on('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.on('error', () => resolve(false))
    })
    if (open) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nothing listens on ${port}`)
}

/**
 * A Redis of the test's own, durable as the README asks (AOF, fsync on every write), so the
 * test can SIGKILL it and start it again from its files.
 */
export async function privateRedis(extraArgs: string[] = []): Promise<{
  url: string
  kill(): Promise<void>
  start(): Promise<void>
  stop(): Promise<void>
}> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-redis-'))
  const port = await freePort()
  let child: ChildProcess | null = null
  const start = async () => {
    child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--save',
        '',
        ...extraArgs,
      ],
      { stdio: 'ignore' },
    )
    await waitForPort(port)
  }
  await start()
  const kill = async () => {
    const c = child!
    const gone = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await gone
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      if (child && child.exitCode === null && child.signalCode === null) await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: res.status, body: (await res.json()) as Record<string, unknown> }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read answers loosely
type Loose = Record<string, any>

export async function getJson(url: string): Promise<{ status: number; body: Loose }> {
  const res = await fetch(url)
  return { status: res.status, body: (await res.json()) as Loose }
}

/** Polls until `check` is true (or fails after `ms`). */
export async function until(check: () => Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
