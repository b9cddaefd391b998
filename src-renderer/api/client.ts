/**
 * The renderer's only door to the app: `window.flowbench` under Electron, HTTP to the web
 * host in a browser. Both answer with the same Result shape, and both give the contract's
 * events as `events.onX(listener) → unsubscribe` (events.ts).
 */
import { methodNames } from '../../src-shared/api/contract'
import type {
  FlowbenchApi,
  MethodInput,
  MethodName,
  MethodOutput,
} from '../../src-shared/api/contract'
import type { FlowbenchEvents } from '../../src-shared/api/events'
import type { Result } from '../../src-shared/api/result'
import { createAppEventClient } from './events'

declare global {
  interface Window {
    flowbench?: FlowbenchApi & FlowbenchEvents
  }
}

const TOKEN_KEY = 'flowbench.token'

/** Takes the per-launch token from `?token=` once, keeps it for the tab, and removes it from the address bar. */
function takeToken(): string | null {
  const url = new URL(window.location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl)
    url.searchParams.delete('token')
    window.history.replaceState(null, '', url.pathname + url.search + url.hash)
    return fromUrl
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

let token: string | null = null

function createHttpApi(): FlowbenchApi {
  token = takeToken()
  const api: Record<string, (arg?: unknown) => Promise<Result<unknown>>> = {}
  for (const method of methodNames) {
    api[method] = async (arg?: unknown) => {
      try {
        const response = await fetch(`./api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token ?? ''}` },
          body: arg === undefined ? '' : JSON.stringify(arg),
        })
        return (await response.json()) as Result<unknown>
      } catch (error) {
        return {
          ok: false,
          error: {
            code: 'network',
            message: `Cannot reach Flowbench: ${(error as Error).message}`,
          },
        }
      }
    }
  }
  return api as FlowbenchApi
}

export const api: FlowbenchApi = window.flowbench ?? createHttpApi()

const eventClient = createAppEventClient(window.flowbench, () => token)

/** The contract's events: `events.onTestProgress(listener)` and so on; each returns its unsubscribe. */
export const events: FlowbenchEvents = eventClient.events

/**
 * Called whenever events start flowing (at once under Electron; each (re)connect in a
 * browser). Fetch what a view shows here, once: events then keep it current.
 */
export const onEventsConnected = eventClient.onConnected

/** Calls a method and throws its error, for callers that show errors through an error boundary or toast. */
export async function call<M extends MethodName>(
  method: M,
  arg?: MethodInput<M>,
): Promise<MethodOutput<M>> {
  const fn = api[method] as (arg?: MethodInput<M>) => Promise<Result<MethodOutput<M>>>
  const result = await fn(arg)
  if (!result.ok) throw new ApiCallError(result.error.code, result.error.message)
  return result.value
}

export class ApiCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
