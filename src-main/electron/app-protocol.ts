/**
 * The `app://` protocol the packaged renderer is served from, built apart from Electron so it can
 * be tested under Node. A custom standard scheme gives the window a real origin (`app://flowbench`)
 * that IPC, permissions and the CSP's 'self' can name; under `file://` every local HTML file would
 * share the app's privileges.
 */
import { readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'

export const APP_SCHEME = 'app'
export const APP_HOST = 'flowbench'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`

/**
 * Passed to `protocol.registerSchemesAsPrivileged` before `ready`. `standard` gives relative URLs,
 * an origin and web storage; `secure` makes it a secure context (clipboard, crypto.subtle);
 * `supportFetchAPI` and `corsEnabled` let module scripts and workers load from it as from https.
 * No `bypassCSP`, no `allowServiceWorkers`, no `stream` beyond what static files need.
 */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: true,
  corsEnabled: true,
  codeCache: true,
} as const

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

function isInside(root: string, file: string): boolean {
  return file === root || file.startsWith(root + path.sep)
}

/**
 * Maps an `app://flowbench/...` URL to a file under `rendererRoot`, or null when the URL names
 * another host or anything outside the folder. The URL parser already folds literal `..`, so what
 * is left to catch is encoded separators (`..%2f`), backslashes, NUL and absolute paths.
 */
export function resolveRendererFile(rendererRoot: string, requestUrl: string): string | null {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return null
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return null
  let decoded: string
  try {
    decoded = decodeURIComponent(url.pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  const relative = decoded.replace(/^\/+/, '') || 'index.html'
  if (path.isAbsolute(relative)) return null
  const root = path.resolve(rendererRoot)
  const file = path.resolve(root, relative)
  return file !== root && isInside(root, file) ? file : null
}

function plain(status: number, message: string): Response {
  return new Response(message, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
  })
}

export interface AppProtocolOptions {
  /** The renderer's build output (out/renderer). Nothing outside it is ever served. */
  rendererRoot: string
  /** Sent on every HTML document; the built index.html carries the same policy in a <meta>. */
  csp: string
}

/** The `protocol.handle('app', …)` handler: static files of the renderer build, read-only. */
export function createAppProtocolHandler(
  options: AppProtocolOptions,
): (request: { url: string; method?: string }) => Promise<Response> {
  const rootPromise = realpath(path.resolve(options.rendererRoot)).catch(() =>
    path.resolve(options.rendererRoot),
  )
  return async (request) => {
    const method = (request.method ?? 'GET').toUpperCase()
    if (method !== 'GET' && method !== 'HEAD') return plain(405, 'Method not allowed')
    const root = await rootPromise
    let file = resolveRendererFile(root, request.url)
    if (!file) return plain(403, 'Forbidden')
    let info = await stat(file).catch(() => null)
    if (!info?.isFile()) {
      // Client-side routes fall back to the app shell (as the web host does); missing assets are 404s.
      if (path.extname(file)) return plain(404, 'Not found')
      file = path.join(root, 'index.html')
      info = await stat(file).catch(() => null)
      if (!info?.isFile()) return plain(404, 'Not found')
    }
    // A symlink inside the build must not lead out of it either.
    const real = await realpath(file).catch(() => null)
    if (!real || !isInside(root, real)) return plain(403, 'Forbidden')
    const type = CONTENT_TYPES[path.extname(real).toLowerCase()] ?? 'application/octet-stream'
    const headers: Record<string, string> = {
      'content-type': type,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    }
    if (type.startsWith('text/html')) {
      headers['content-security-policy'] = options.csp
      headers['cache-control'] = 'no-store'
    }
    const body = method === 'HEAD' ? null : await readFile(real)
    return new Response(body, { status: 200, headers })
  }
}
