/**
 * Which Host headers and which browser requests a server takes. A page on another site whose
 * name was rebound to this machine's address (DNS rebinding) sends its own name as Host; a form
 * post or fetch from another site says so in `Sec-Fetch-Site` / `Origin`. Both are refused before
 * any route runs.
 */
import os from 'node:os'

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

export function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1'
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === ''
}

function hostName(address: string): string {
  return address.includes(':') ? `[${address.toLowerCase()}]` : address.toLowerCase()
}

/**
 * The Host names a server bound to `host` answers to: the names that reach it and nothing
 * else, so a page on another site whose name was rebound to this machine is refused.
 */
export function boundHostNames(host: string): string[] {
  if (isLoopback(host)) return LOOPBACK_NAMES
  if (!isWildcard(host)) return [hostName(host)]
  const names = new Set([...LOOPBACK_NAMES, hostName(host), os.hostname().toLowerCase()])
  for (const list of Object.values(os.networkInterfaces()))
    for (const info of list ?? []) names.add(hostName(info.address.split('%')[0]!))
  return [...names]
}

/**
 * A check of Host headers: the bound names with this port (a bare name means port 80), or one of
 * `extra` (a reverse proxy's or a tunnel's name, with or without a port).
 */
export function hostRule(
  names: string[],
  extra: string[] = [],
): (header: string | undefined, port: number) => boolean {
  const extraHosts = new Set(extra.map((h) => h.toLowerCase()))
  // Every request asks; the answer for the bound port is one set lookup.
  let forPort = -1
  let allowed = new Set<string>()
  return (header, port) => {
    if (!header) return false
    if (port !== forPort) {
      forPort = port
      allowed = new Set(names.map((name) => `${name}:${port}`))
      if (port === 80) for (const name of names) allowed.add(name)
    }
    const value = header.toLowerCase()
    if (allowed.has(value)) return true
    return (
      extraHosts.size > 0 && (extraHosts.has(value) || extraHosts.has(value.replace(/:\d+$/, '')))
    )
  }
}

/**
 * Why a request is a browser's cross-site request, or null when it is not. Browsers say where
 * a request comes from (`Sec-Fetch-Site`, `Origin`); API clients and webhook senders send
 * neither. Call it after the Host header is checked: the origin must be the one of that host.
 */
export function crossSiteProblem(headers: {
  host?: string
  origin?: string
  'sec-fetch-site'?: string | string[]
}): string | null {
  const site = headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site')
    return `Cross-site requests are refused (Sec-Fetch-Site: ${site})`
  const origin = headers.origin
  if (origin === undefined) return null
  const host = (headers.host ?? '').toLowerCase()
  const given = origin.toLowerCase()
  if (given === `http://${host}` || given === `https://${host}`) return null
  return `Cross-site requests are refused (Origin: ${origin})`
}
