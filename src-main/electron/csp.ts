/**
 * The renderer's Content-Security-Policy, one source for every place that sends it: the app://
 * protocol handler, the web host, and the <meta> the renderer build writes into index.html.
 * Imports nothing, so the Vite config can use it.
 */

/**
 * The renderer's CSP. Scripts only from the app itself; Monaco needs workers from blob: and
 * inline styles. `devServerOrigin` adds the Vite dev server (and its HMR socket) in development,
 * plus inline scripts there only: @vitejs/plugin-react injects its Fast Refresh preamble inline.
 */
export function buildCsp(options: { devServerOrigin?: string } = {}): string {
  const dev = options.devServerOrigin
  const self = dev ? `'self' ${dev}` : `'self'`
  const connect = dev ? `'self' ${dev} ${dev.replace(/^http/, 'ws')}` : `'self'`
  return [
    `default-src 'none'`,
    `script-src ${self}${dev ? ` 'unsafe-inline'` : ''}`,
    `style-src ${self} 'unsafe-inline'`,
    `img-src ${self} data: blob:`,
    `font-src ${self} data:`,
    `connect-src ${connect}`,
    `worker-src ${self} blob:`,
    `base-uri 'none'`,
    `form-action 'none'`,
    `frame-ancestors 'none'`,
    `object-src 'none'`,
  ].join('; ')
}

/** Directives a `<meta http-equiv>` policy cannot carry; browsers ignore them there with a warning. */
const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'report-to', 'sandbox']

/** The same policy for the built index.html's `<meta>`, the second line behind the response header. */
export function cspForMeta(csp: string): string {
  return csp
    .split('; ')
    .filter((directive) => !HEADER_ONLY_DIRECTIVES.includes(directive.split(' ')[0]!))
    .join('; ')
}
