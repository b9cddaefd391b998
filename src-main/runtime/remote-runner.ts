/**
 * The Runner tab's view of a `serve` elsewhere (a cluster's ingest node, another machine): its
 * flows with their stats and latest runs, read through the same API any client uses. Main asks,
 * not the page: the page may not reach other origins (CSP, serve's cross-site refusal), and the
 * token stays out of the renderer's network log.
 */
import { ApiFailure } from '../../src-shared/api/result'
import type { FlowStats, RunSummary } from './backend'

export interface RemoteFlow {
  id: string
  name: string
  revision: number | null
  trigger: string
  stats: FlowStats
  runs: RunSummary[]
}

const TIMEOUT_MS = 5000

/** Reads every flow a serve API offers, with its stats and its latest `runs` runs. */
export async function readRemoteRunner(
  url: string,
  token: string | undefined,
  runs: number,
): Promise<RemoteFlow[]> {
  let base: URL
  try {
    base = new URL(url.endsWith('/') ? url : `${url}/`)
  } catch {
    throw new ApiFailure('bad-url', `“${url}” is not a URL (try http://host:8080)`)
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new ApiFailure('bad-url', 'The runner’s URL must start with http:// or https://')
  const get = async <T>(path: string): Promise<T> => {
    let response: Response
    try {
      response = await fetch(new URL(path, base), {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(TIMEOUT_MS),
      })
    } catch (error) {
      const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message
      throw new ApiFailure('remote-unreachable', `Cannot reach ${base.origin}: ${cause}`)
    }
    if (response.status === 401)
      throw new ApiFailure('remote-refused', `${base.origin} refused the token (401)`)
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: string } | null
      throw new ApiFailure(
        'remote-failed',
        `${base.origin} answered ${response.status} to ${path}${body?.error ? `: ${body.error}` : ''}`,
      )
    }
    return (await response.json()) as T
  }
  const flows =
    await get<{ id: string; name: string; revision: number | null; trigger: string }[]>('api/flows')
  return Promise.all(
    flows.map(async (flow) => {
      const id = encodeURIComponent(flow.id)
      const [stats, recent] = await Promise.all([
        get<FlowStats>(`api/flows/${id}/stats`),
        get<{ runs: RunSummary[] }>(`api/flows/${id}/runs?limit=${runs}`),
      ])
      return { ...flow, stats, runs: recent.runs }
    }),
  )
}
