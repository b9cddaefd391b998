/// <reference lib="dom" />
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { openFlow } from './designer-helpers'
import { useAppPerTest } from './helpers'

const VALUE = 'e2e-crm-key-7d41'

const flow: Flow = {
  schemaVersion: 1,
  id: 'crm-note',
  name: 'CRM note',
  nodes: [
    { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
    {
      id: 'note',
      plugin: 'flow.log',
      position: { x: 260, y: 0 },
      config: { level: 'info', message: 'calling the CRM with {{ secrets.crm.apiKey }}' },
    },
  ],
  edges: [
    { id: 'e1', source: 'start', sourcePort: 'payload', target: 'note', targetPort: 'payload' },
  ],
  tests: [{ name: 'any', event: { type: 'manual' } }],
}

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
  async setUp(app) {
    app.app.store.createFlow(flow)
    await app.page.reload()
    await openFlow(app.page, 'crm-note')
  },
})

describe('secrets in the app', () => {
  it('creates a secret in the panel; the flow reads it and the trace shows ••••', async () => {
    const { page, app } = getApp()
    await page.getByTestId('tab-problems').click()
    await page
      .getByTestId('problems')
      .getByText(/has no secret "crm"/)
      .waitFor()

    await page.getByTestId('tab-secrets').click()
    await page.getByTestId('secret-new').click()
    await page.getByTestId('secret-name').fill('crm')
    await page.getByTestId('secret-field-name-0').fill('apiKey')
    await page.getByTestId('secret-field-value-0').fill(VALUE)
    await page.getByTestId('secret-save').click()
    await page.getByTestId('secret-crm').getByText('apiKey: ••••').waitFor()
    await page.getByTestId('variable-name').fill('region')
    await page.getByTestId('variable-value').fill('eu-west')
    await page.getByTestId('variable-add').click()
    await page.getByTestId('variables-list').getByText('eu-west').waitFor()
    await page.screenshot({ path: 'test-results/secrets-panel.png' })
    // Write-only: the value is nowhere on the page once saved.
    expect(await page.content()).not.toContain(VALUE)

    await page.getByTestId('tab-problems').click()
    await expect.poll(() => page.getByTestId('problems').textContent()).not.toContain('no secret')

    await page.getByTestId('run-button').click()
    await page.getByTestId('trace-view').waitFor()
    await page.getByTestId('timeline-note').click()
    await page.getByTestId('trace-view').getByText('calling the CRM with ••••').waitFor()
    expect(await page.content()).not.toContain(VALUE)
    await page.screenshot({ path: 'test-results/secrets-trace.png' })
    expect(app.secrets.environment().secrets.crm).toEqual({ apiKey: VALUE })
  })
})
