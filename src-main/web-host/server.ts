/**
 * The web host: the renderer and the API over HTTP on 127.0.0.1, for browser mode and the
 * end-to-end tests. Same handlers as IPC; every API call needs the per-launch token. It runs on
 * the shared HTTP stack (src-main/http), so its Host, cross-site, token and body checks are the
 * ones `serve` uses.
 */
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { EVENTS_PATH } from '../../src-shared/api/events'
import type { ApiHandlers } from '../api/dispatch'
import type { EventSubscription } from '../app/event-hub'
import { dispatch } from '../api/dispatch'
import { buildCsp } from '../electron/window-options'
import { decodeJson } from '../http/body'
import { problem } from '../http/problem'
import { createHttpServer, sendJson } from '../http/server'

export const MAX_API_BODY_BYTES = 5 * 1024 * 1024

export interface WebHostOptions {
  handlers: ApiHandlers
  /** The contract's events, streamed to the page as Server-Sent Events. */
  events?: EventSubscription
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

function insideRoot(root: string, pathName: string): boolean {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathName)
  } catch {
    return false
  }
  if (decoded.includes('\0')) return false
  const file = path.resolve(root, `.${path.sep}${decoded}`)
  return file === root || file.startsWith(root + path.sep)
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? randomBytes(24).toString('base64url')
  const csp = buildCsp()
  const root = path.resolve(options.staticDir)
  const http = createHttpServer({
    host: '127.0.0.1',
    port: options.port,
    token,
    bodyLimit: MAX_API_BODY_BYTES,
    // The renderer's files are public; its routes fall back to the app shell.
    notFoundPublic: true,
    // A browser tab keeps connections open; closing the host must not wait for it.
    closeAllConnections: true,
    errorBody: (p) => ({ ok: false, error: { code: p.code, message: p.message } }),
  })
  const { app } = http

  // Server-Sent Events: a fetch stream the page reads with its token in a header (EventSource
  // could only carry it in the URL). The route is not public, so the token and Host checks apply.
  app.get(EVENTS_PATH, (request, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    // The first bytes tell the page it is connected: it then fetches what it shows, once.
    res.write('retry: 1000\n: connected\n\n')
    const stop = options.events?.subscribe((event, payload) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`)
    })
    // Comments keep idle connections from being dropped by anything in between.
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000)
    keepAlive.unref()
    res.on('close', () => {
      stop?.()
      clearInterval(keepAlive)
    })
  })
  app.post<{ Params: { '*': string } }>('/api/*', async (request, reply) => {
    const arg = decodeJson(request.body as Buffer | undefined, undefined)
    const result = await dispatch(options.handlers, request.params['*'], arg)
    const status = !result.ok && result.error.code === 'unknown-method' ? 404 : 200
    return sendJson(reply, status, result)
  })
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/api/*',
    config: { noToken: true },
    handler: () => {
      throw problem(405, 'API methods are called with POST')
    },
  })

  // Everything registered from here on (the renderer's files) is public: no token, any site.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true }
  })
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    index: 'index.html',
    // Dot files and directory listings are never part of the renderer build.
    dotfiles: 'deny',
    list: false,
    // The shell must never be cached (it names the current build's assets); see setHeaders.
    cacheControl: false,
    // Anything that would leave the folder is simply not there (404), like any missing file.
    allowedPath: (pathName) => insideRoot(root, pathName),
    setHeaders(res, file) {
      res.setHeader('x-content-type-options', 'nosniff')
      res.setHeader('referrer-policy', 'no-referrer')
      if (file.endsWith('.html')) {
        res.setHeader('content-security-policy', csp)
        res.setHeader('cache-control', 'no-store')
      }
    },
  })
  app.setNotFoundHandler((request, reply) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      throw problem(405, 'Only GET is served here')
    return shell(request, reply)
  })

  /** The app shell for client-side routes; missing assets (with an extension) are real 404s. */
  function shell(request: FastifyRequest, reply: FastifyReply) {
    const urlPath = request.url.split('?')[0]!
    if (path.extname(urlPath)) throw problem(404, `Not found: ${urlPath}`)
    if (!existsSync(path.join(root, 'index.html')))
      throw problem(503, 'The renderer is not built; run `npm run build` first', 'not-built')
    return reply.sendFile('index.html')
  }

  const port = await http.listen()
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: () => http.close(),
  }
}
