/// <reference lib="dom" />
/**
 * The Runner tab as the place to watch flows run: send an event to the event-triggered flows the
 * local runner serves and see where it went and its run; point at another serve API (a cluster's)
 * and see each flow's stats and latest runs.
 */
import { mkdtempSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { serve } from '../src-main/runtime/serve'
import { Store } from '../src-main/store/store'
import { openFlow, sampleFlow } from './designer-helpers'
import { useAppPerTest } from './helpers'

const vip = () => sampleFlow('vip-tagging') as unknown as Flow

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
  async setUp(app) {
    app.app.store.createFlow(vip())
    app.app.store.deploy('vip-tagging', { validate: () => [] })
    await app.page.reload()
    await openFlow(app.page, 'vip-tagging')
    await app.page.getByTestId('tab-runner').click()
  },
})

describe('the Runner tab', () => {
  it('sends an event to the event-triggered flows and shows where it went and its run', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('runner-switch').click()
    const form = page.getByTestId('send-event')
    await form.getByTestId('send-event-type').fill('purchase')
    await form.getByTestId('send-event-properties').fill('{ "total": 1200 }')
    await form.getByTestId('send-event-profile').fill('ada')
    await form.getByTestId('send-event-submit').click()
    await form.getByTestId('send-event-routed-vip-tagging').waitFor()

    const deliveries = page.getByTestId('deliveries')
    const row = deliveries.locator('tr', { hasText: 'vip-tagging' }).first()
    await row.getByText('done').waitFor({ timeout: 10000 })
    expect(await row.textContent()).toMatch(/event.*run [0-9a-f-]{8}/)
    // The run opens in the trace, painted on the canvas of the flow it ran.
    await row.locator('[data-testid^="delivery-run-"]').click()
    await page.getByTestId('trace-view').waitFor()
    expect(await page.getByTestId('trace-status').textContent()).toBe('succeeded')
    expect(await page.getByTestId('timeline-tag').getAttribute('class')).not.toContain('skipped')
    await page.getByTestId('tab-runner').click()
    expect(app.app.store.state.loadProfile('ada')!.traits).toMatchObject({
      purchases: 1,
      totalSpent: 1200,
      vip: true,
    })

    await form.getByTestId('send-event-type').fill('page-view')
    await form.getByTestId('send-event-submit').click()
    await form
      .getByTestId('send-event-result')
      .getByText('No served flow takes events of type "page-view"')
      .waitFor()

    await form.getByTestId('send-event-properties').fill('{ "total": ')
    await form.getByTestId('send-event-submit').click()
    await form.getByTestId('send-event-error').getByText('Properties are not JSON').waitFor()
  })

  it("shows a remote serve API's flows with their stats and latest runs", async () => {
    const { page } = getApp()
    const store = Store.open(mkdtempSync(path.join(os.tmpdir(), 'fb-remote-')))
    const remote = await serve({
      flows: [{ flow: vip(), revision: 4 }],
      store,
      plugins: PluginRegistry.withBuiltins(),
      port: 0,
      token: 'cluster-token',
      log: () => {},
    })
    try {
      for (const total of [30, 2000]) {
        const res = await fetch(`${remote.url}/api/events`, {
          method: 'POST',
          headers: { authorization: 'Bearer cluster-token', 'content-type': 'application/json' },
          body: JSON.stringify({ type: 'purchase', profileId: 'bo', properties: { total } }),
        })
        expect(res.status).toBe(202)
      }
      await remote.drained()

      const panel = page.getByTestId('remote-runner')
      await panel.getByTestId('remote-url').fill(remote.url)
      await panel.getByTestId('remote-token').fill('wrong')
      await panel.getByTestId('remote-connect').click()
      await panel.getByTestId('remote-error').getByText('refused the token').waitFor()

      await panel.getByTestId('remote-token').fill('cluster-token')
      await panel.getByTestId('remote-connect').click()
      const flow = panel.getByTestId('remote-flow-vip-tagging')
      await flow.waitFor()
      expect(await flow.getByTestId('remote-accepted-vip-tagging').textContent()).toBe('2')
      expect(await flow.textContent()).toContain('r4')
      const runs = flow.getByTestId('remote-runs-vip-tagging').locator('li')
      expect(await runs.count()).toBe(2)
      expect(await runs.first().textContent()).toContain('succeeded')

      // The URL is remembered; the token is not written anywhere the page keeps.
      await page.reload()
      await page.getByTestId('tab-runner').click()
      expect(await page.getByTestId('remote-url').inputValue()).toBe(remote.url)
      expect(await page.getByTestId('remote-token').inputValue()).toBe('')
    } finally {
      await remote.close()
      store.close()
    }
  })
})
