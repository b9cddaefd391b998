/** Shared by the serve security tests: a served data directory and raw HTTP requests. */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { Flow } from '../../src-shared/flow/types'
import { repoRoot } from '../fixtures/flows'

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json(): unknown
}

/**
 * One request exactly as given: fetch() cannot set Host, Origin or Sec-Fetch-Site, and an
 * attack is made of those headers.
 */
export function raw(
  port: number,
  options: {
    method?: string
    path: string
    headers?: Record<string, string>
    body?: string
    host?: string
  },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path,
        headers: options.headers,
        setHost:
          !options.headers || !Object.keys(options.headers).some((h) => h.toLowerCase() === 'host'),
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          })
        })
      },
    )
    req.on('error', reject)
    if (options.body !== undefined) req.write(options.body)
    req.end()
  })
}

/** How long /healthz takes to answer: the event loop's responsiveness as a client sees it. */
export async function healthzMs(port: number, host = '127.0.0.1'): Promise<number> {
  const started = performance.now()
  const res = await raw(port, { path: '/healthz', host })
  if (res.status !== 200) throw new Error(`/healthz answered ${res.status}`)
  return performance.now() - started
}

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix))
}

export function hookFlow(id: string, hook: Record<string, unknown>): Flow {
  return {
    schemaVersion: 1,
    id,
    name: id,
    nodes: [
      { id: 'hook', plugin: 'trigger.webhook', position: { x: 0, y: 0 }, config: hook },
      {
        id: 'count',
        plugin: 'data.increment',
        position: { x: 240, y: 0 },
        config: { path: 'profile@traits.hits', by: 1 },
      },
    ],
    edges: [
      { id: 'e1', source: 'hook', sourcePort: 'payload', target: 'count', targetPort: 'payload' },
    ],
  }
}

/** `flowbench serve` as a real process; `ready` resolves with its port once it listens. */
export function startServeProcess(
  args: string[],
  env?: Record<string, string>,
): {
  child: ChildProcessWithoutNullStreams
  ready: Promise<number>
  exited: Promise<{ code: number | null; stderr: string }>
  /** Everything the process wrote so far. */
  output: { stdout: string; stderr: string }
} {
  const output = { stdout: '', stderr: '' }
  const child = spawn(
    process.execPath,
    [path.join(repoRoot, 'bin/flowbench.js'), 'serve', ...args],
    { cwd: repoRoot, env: env ? { ...process.env, ...env } : process.env },
  )
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (output.stdout += c.toString('utf8')))
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString('utf8')))
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('exit', (code) => resolve({ code, stderr })),
  )
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8')
      const match = /"msg":"serving".*?"port":(\d+)/.exec(stdout)
      if (match) resolve(Number(match[1]))
    })
    void exited.then(({ code, stderr: err }) =>
      reject(new Error(`serve exited (${code}): ${err.trim()}`)),
    )
  })
  ready.catch(() => {})
  return { child, ready, exited, output }
}
