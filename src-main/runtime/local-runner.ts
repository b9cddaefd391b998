/** The runner inside the app: serves the deployed flows on 127.0.0.1 while the app is open. */
import { ApiFailure } from '../../src-shared/api/result'
import type { Flow } from '../../src-shared/flow/types'
import type { PluginSource } from '../engine/load'
import type { Delivery } from '../store/journal'
import type { Store } from '../store/store'
import type { Server, ServeOptions } from './serve'
import { serve } from './serve'

export interface RunnerStatus {
  running: boolean
  url: string | null
  hooks: { flowId: string; url: string }[]
  schedules: { flowId: string; description: string; next: string | null }[]
  deliveries: Delivery[]
}

export class LocalRunner {
  private server: Server | null = null

  constructor(
    private readonly store: Store,
    private readonly plugins: PluginSource,
    /** The secrets and variables the deployed flows run with (the app's current environment). */
    private readonly environment?: ServeOptions['environment'],
    /** Told the new status whenever the runner starts, stops or reloads its flows. */
    private readonly onStatus?: (status: RunnerStatus) => void,
  ) {}

  async start(port = 0): Promise<RunnerStatus> {
    if (this.server) return this.status()
    const flows: { flow: Flow; revision: number | null }[] = []
    for (const summary of this.store.listFlows()) {
      const production = this.store.production(summary.id)
      if (production) flows.push({ flow: production.flow, revision: production.revision })
    }
    this.server = await serve({
      flows,
      store: this.store,
      plugins: this.plugins,
      host: '127.0.0.1',
      port,
      runnerName: 'the Flowbench app',
      environment: this.environment,
      // Flows run on the app's main process thread, one at a time: the flow threads' entry loads
      // TypeScript through tsx, which the bundled Electron app does not ship (it would need the
      // entry built as its own chunk), and the app's runner serves one user's test traffic.
      threads: 0,
      log: () => {},
    })
    return this.announce()
  }

  /** After a deploy: serve the new production flows on the same port. */
  async refresh(): Promise<void> {
    if (!this.server) return
    const port = this.server.port
    // Told once, with the reloaded status, rather than as a stop and a start.
    const server = this.server
    this.server = null
    await server.close()
    await this.start(port)
  }

  async stop(): Promise<RunnerStatus> {
    const server = this.server
    this.server = null
    await server?.close()
    return server ? this.announce() : this.status()
  }

  private announce(): RunnerStatus {
    const status = this.status()
    this.onStatus?.(status)
    return status
  }

  /**
   * Sends events to the served flows through `POST /api/events`, as a tracker would: the answer
   * says, per event, which flows it was routed to.
   */
  async sendEvents(body: Record<string, unknown>): Promise<unknown> {
    if (!this.server) throw new ApiFailure('runner-stopped', 'Start the runner to send it events')
    const response = await fetch(`${this.server.url}/api/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    const answer = (await response.json()) as { error?: string }
    if (!response.ok)
      throw new ApiFailure('bad-event', answer.error ?? `The runner answered ${response.status}`)
    return answer
  }

  status(): RunnerStatus {
    const deliveries = this.store.journal.recentDeliveries(20)
    if (!this.server) return { running: false, url: null, hooks: [], schedules: [], deliveries }
    const routes = this.server.routes()
    return {
      running: true,
      url: this.server.url,
      hooks: routes.hooks.map((h) => ({
        flowId: h.flowId,
        url: `${this.server!.url}/hooks/${h.path}`,
      })),
      schedules: routes.schedules,
      deliveries,
    }
  }
}
