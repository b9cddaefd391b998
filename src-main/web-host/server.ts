/**
 * The web host: the renderer and the API over HTTP on 127.0.0.1, for browser mode and the
 * end-to-end tests. Same handlers as IPC; every API call needs the per-launch token.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { nestingProblem } from '../../src-shared/json-depth'
import type { ApiHandlers } from '../api/dispatch'
import { dispatch } from '../api/dispatch'
import { buildCsp } from '../electron/window-options'

export const MAX_API_BODY_BYTES = 5 * 1024 * 1024

export interface WebHostOptions {
  handlers: ApiHandlers
  /** Folder with the built renderer (index.html and assets). */
  staticDir: string
  port?: number
  token?: string
}

export interface WebHost {
  url: string
  port: number
  token: string
  close(): Promise<void>
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(text)
}

function sendError(res: http.ServerResponse, error: HttpError): void {
  sendJson(res, error.status, { ok: false, error: { code: error.code, message: error.message } })
}

/**
 * Only the names a browser on this machine uses to reach this port; refuses DNS-rebinding
 * hosts (a foreign name resolving to 127.0.0.1). A bare name means port 80.
 */
export function isAllowedHost(hostHeader: string | undefined, port: number): boolean {
  if (!hostHeader) return false
  const value = hostHeader.toLowerCase()
  const allowed = ['127.0.0.1', 'localhost']
  return allowed.some((name) => value === `${name}:${port}` || (port === 80 && value === name))
}

/**
 * Why a request is a browser's cross-site request, or null when it is not. Browsers say where
 * a request comes from (`Sec-Fetch-Site`, `Origin`); API clients and webhook senders send
 * neither. Call it after the Host header is checked: the origin must be the one of that host.
 */
export function crossSiteProblem(req: http.IncomingMessage): string | null {
  const site = req.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site')
    return `Cross-site requests are refused (Sec-Fetch-Site: ${site})`
  const origin = req.headers.origin
  if (origin === undefined) return null
  const host = (req.headers.host ?? '').toLowerCase()
  const given = origin.toLowerCase()
  if (given === `http://${host}` || given === `https://${host}`) return null
  return `Cross-site requests are refused (Origin: ${origin})`
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '')
  if (!match) return false
  const given = Buffer.from(match[1]!)
  const expected = Buffer.from(token)
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > limit) {
      reject(new HttpError(413, 'body-too-large', `Request body is ${declared} bytes; the limit is ${limit}`))
      req.resume()
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    let failed = false
    req.on('data', (chunk: Buffer) => {
      if (failed) return
      size += chunk.length
      if (size > limit) {
        failed = true
        reject(new HttpError(413, 'body-too-large', `Request body exceeds the limit of ${limit} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks))
    })
    req.on('error', (error) => {
      if (!failed) reject(error)
    })
  })
}

async function serveStatic(staticDir: string, urlPath: string, res: http.ServerResponse, csp: string): Promise<void> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    throw new HttpError(400, 'bad-path', 'Malformed path')
  }
  const relative = decoded === '/' ? 'index.html' : decoded.replace(/^\/+/, '')
  const root = path.resolve(staticDir)
  const file = path.resolve(root, relative)
  if (file !== root && !file.startsWith(root + path.sep)) throw new HttpError(404, 'not-found', 'Not found')
  let target = file
  let info = await stat(target).catch(() => null)
  if (!info || !info.isFile()) {
    // Client-side routes fall back to the app shell; missing assets are real 404s.
    if (path.extname(relative)) throw new HttpError(404, 'not-found', `Not found: ${decoded}`)
    target = path.join(root, 'index.html')
    info = await stat(target).catch(() => null)
    if (!info) throw new HttpError(503, 'not-built', 'The renderer is not built; run `npm run build` first')
  }
  const type = CONTENT_TYPES[path.extname(target)] ?? 'application/octet-stream'
  const headers: http.OutgoingHttpHeaders = {
    'content-type': type,
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  }
  if (type.startsWith('text/html')) {
    headers['content-security-policy'] = csp
    headers['cache-control'] = 'no-store'
  }
  res.writeHead(200, headers)
  createReadStream(target).pipe(res)
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const csp = buildCsp()
  let port = 0

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (error instanceof HttpError) sendError(res, error)
      else sendError(res, new HttpError(500, 'internal', error instanceof Error ? error.message : String(error)))
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, port)) {
      req.resume()
      throw new HttpError(403, 'forbidden-host', `Host "${req.headers.host ?? ''}" is not allowed; use 127.0.0.1 or localhost`)
    }
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    if (url.pathname.startsWith('/api/')) {
      const crossSite = crossSiteProblem(req)
      if (crossSite) {
        req.resume()
        throw new HttpError(403, 'cross-site', crossSite)
      }
      if (req.method !== 'POST') {
        req.resume()
        throw new HttpError(405, 'method-not-allowed', 'API methods are called with POST')
      }
      if (!tokenMatches(req.headers.authorization, token)) {
        req.resume()
        throw new HttpError(401, 'unauthorized', 'Missing or wrong token: send "Authorization: Bearer <token>"')
      }
      let method: string
      try {
        method = decodeURIComponent(url.pathname.slice('/api/'.length))
      } catch {
        req.resume()
        throw new HttpError(400, 'bad-path', 'The path has a malformed percent-encoding')
      }
      const body = await readBody(req, MAX_API_BODY_BYTES)
      let arg: unknown
      if (body.length > 0) {
        const text = body.toString('utf8')
        const tooDeep = nestingProblem(text)
        if (tooDeep) throw new HttpError(400, 'too-deep', `Request body is refused: ${tooDeep}`)
        try {
          arg = JSON.parse(text)
        } catch (error) {
          throw new HttpError(400, 'malformed-json', `Request body is not valid JSON: ${(error as Error).message}`)
        }
      }
      const result = await dispatch(options.handlers, method, arg)
      const status = !result.ok && result.error.code === 'unknown-method' ? 404 : 200
      sendJson(res, status, result)
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume()
      throw new HttpError(405, 'method-not-allowed', 'Only GET is served here')
    }
    await serveStatic(options.staticDir, url.pathname, res, csp)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
