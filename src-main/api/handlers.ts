import { APP_NAME, APP_VERSION } from '../app-context'
import type { PluginSummary } from '../../src-shared/api/contract'
import type { AppContext } from '../app-context'
import type { ApiHandlers } from './dispatch'

/** The one implementation of the API contract. */
export function createApiHandlers(app: AppContext): ApiHandlers {
  return {
    'app.info': () => ({
      name: APP_NAME,
      version: APP_VERSION,
      dataDir: app.dataDir,
      pluginCount: app.registry.size,
      platform: process.platform,
      mode: app.mode,
    }),
    'plugins.list': () => app.registry.describe() as PluginSummary[],
  }
}
