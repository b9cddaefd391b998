/**
 * Attack: reading a secret back out of `flowbench serve`. A flow uses secrets (given through
 * FLOWBENCH_SECRET_* and --secrets-file) in an HTTP call, a log line, a template and the saved
 * profile; the secret values must reach the service the flow calls and nothing else: no API
 * answer, no line serve writes, no byte of the SQLite database or its WAL.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Flow } from '../../src-shared/flow/types'
import { raw, startServeProcess, tempDir } from './serve-helpers'

const API_KEY = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'
const TOKEN = 'tok-9f8e7d6c5b4a3210'
const SECRETS = [API_KEY, TOKEN]

function leaks(text: string | Buffer): string[] {
  const haystack = Buffer.isBuffer(text) ? text : Buffer.from(text)
  return SECRETS.filter((secret) =>
    [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')].some((form) =>
      haystack.includes(Buffer.from(form)),
    ),
  )
}

function crmFlow(crmUrl: string): Flow {
  const node = (id: string, plugin: string, config: Record<string, unknown>) => ({
    id,
    plugin,
    position: { x: 0, y: 0 },
    config,
  })
  const edge = (source: string, sourcePort: string, target: string) => ({
    id: `${source}-${target}`,
    source,
    sourcePort,
    target,
    targetPort: 'payload',
  })
  return {
    schemaVersion: 1,
    id: 'crm-sync',
    name: 'CRM sync',
    nodes: [
      node('hook', 'trigger.webhook', {
        path: 'crm',
        waitForRun: true,
        profileIdField: 'customer',
      }),
      node('call', 'http.request', {
        method: 'POST',
        url: `${crmUrl}/contacts?key={{ secrets.crm.apiKey }}`,
        headers: {
          authorization: 'Bearer {{ secrets.crm.apiKey }}',
          'x-token': 'secret@crm.token',
        },
        body: { customer: 'event@properties.customer', token: 'secret@crm.token' },
      }),
      node('say', 'flow.log', {
        level: 'info',
        message: 'synced with key {{ secrets.crm.apiKey }}',
      }),
      node('text', 'data.template', {
        template: 'token={{ secrets.crm.token }} key={{ secrets.crm.apiKey }}',
        to: 'flow@text',
      }),
      node('keep', 'data.set', { values: { 'profile@traits.crmKey': '{{ secrets.crm.apiKey }}' } }),
    ],
    edges: [
      edge('hook', 'payload', 'call'),
      edge('call', 'response', 'say'),
      edge('say', 'payload', 'text'),
      edge('text', 'payload', 'keep'),
    ],
  }
}

describe('serve never hands out a secret value', () => {
  const dataDir = tempDir('fb-serve-secrets-')
  const flowsDir = tempDir('fb-serve-secrets-flows-')
  const seen: { authorization?: string; url?: string; body: string }[] = []
  let crm: http.Server
  let proc: ReturnType<typeof startServeProcess>
  let port: number
  const answers: string[] = []
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await raw(port, {
      method,
      path: url,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    answers.push(res.text)
    return res
  }

  beforeAll(async () => {
    // The CRM the flow calls: it echoes what it got, so the secret comes back in the response.
    crm = http.createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => (body += c.toString('utf8')))
      req.on('end', () => {
        seen.push({ authorization: req.headers.authorization, url: req.url, body })
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(
          JSON.stringify({ ok: true, echoed: { authorization: req.headers.authorization, body } }),
        )
      })
    })
    await new Promise<void>((resolve) => crm.listen(0, '127.0.0.1', resolve))
    const crmUrl = `http://127.0.0.1:${(crm.address() as AddressInfo).port}`
    mkdirSync(flowsDir, { recursive: true })
    writeFileSync(path.join(flowsDir, 'crm-sync.flow.json'), JSON.stringify(crmFlow(crmUrl)))
    const secretsFile = path.join(flowsDir, 'prod.env')
    writeFileSync(secretsFile, `# production\nFLOWBENCH_SECRET_CRM_TOKEN="${TOKEN}"\n`)
    proc = startServeProcess(
      [flowsDir, '--port', '0', '--data-dir', dataDir, '--secrets-file', secretsFile],
      { FLOWBENCH_SECRET_CRM_APIKEY: API_KEY },
    )
    port = await proc.ready
  }, 30_000)
  afterAll(async () => {
    if (proc.child.exitCode === null) {
      proc.child.kill('SIGTERM')
      await proc.exited
    }
    await new Promise<void>((resolve) => crm.close(() => resolve()))
  })

  it('runs the flow with the secrets, and no answer, log line or database byte holds them', async () => {
    const hook = await call('POST', '/hooks/crm', { customer: 'ann' })
    expect(hook.status).toBe(200)
    const report = hook.json() as {
      runId: string
      status: string
      nodes: { nodeId: string; logs: { message: string }[] }[]
    }
    expect(report.status).toBe('succeeded')
    // The secrets did their job: the CRM got them.
    expect(seen[0]).toMatchObject({
      authorization: `Bearer ${API_KEY}`,
      url: `/contacts?key=${API_KEY}`,
    })
    expect(JSON.parse(seen[0]!.body)).toEqual({ customer: 'ann', token: TOKEN })
    // … and where they would show, they read as the mask.
    expect(report.nodes.find((n) => n.nodeId === 'say')!.logs[0]!.message).toBe(
      'synced with key ••••',
    )

    const direct = await call('POST', '/api/flows/crm-sync/runs', {
      event: { properties: { customer: 'bob' } },
    })
    expect(direct.status).toBe(200)
    expect(seen).toHaveLength(2)
    for (const url of [
      '/api/flows',
      '/api/flows/crm-sync',
      `/api/runs/${report.runId}`,
      '/healthz',
    ])
      expect((await call('GET', url)).status).toBe(200)
    // Errors go through the same redaction.
    await call('GET', `/api/runs/${API_KEY}`)

    for (const answer of answers) expect(leaks(answer)).toEqual([])
    expect(proc.output.stdout).toContain('"msg":"run finished"')
    expect(leaks(proc.output.stdout + proc.output.stderr)).toEqual([])

    const files = () =>
      readdirSync(dataDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    const databaseBytes = () =>
      files().map((e) => ({
        name: e.name,
        leaked: leaks(readFileSync(path.join(e.parentPath, e.name))),
      }))
    // While serving, the runs sit in the WAL; after a clean stop, in the database file.
    expect(files().some((e) => e.name.endsWith('-wal'))).toBe(true)
    expect(databaseBytes().filter((f) => f.leaked.length > 0)).toEqual([])
    proc.child.kill('SIGTERM')
    expect((await proc.exited).code).toBe(0)
    expect(databaseBytes().filter((f) => f.leaked.length > 0)).toEqual([])
    expect(leaks(proc.output.stdout + proc.output.stderr)).toEqual([])
  }, 30_000)
})
