import { readFileSync } from 'node:fs'
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { openFlow, selectNode } from './designer-helpers'
import { useAppPerTest } from './helpers'
const getApp = useAppPerTest({ beforeAll, afterAll, beforeEach, afterEach, expectNoPageErrors: (errors) => expect(errors).toEqual([]) })
it('shots', async () => {
  const { page, app } = getApp()
  app.store.createFlow(JSON.parse(readFileSync('resources/samples/inventory-reorder/flow.json', 'utf8')) as Flow)
  await page.reload()
  await openFlow(page, 'inventory-reorder')
  await selectNode(page, 'count')
  await page.getByTestId('flow-item-inventory-reorder').hover()
  await page.screenshot({ path: '/tmp/loop-increment-number.png' })
  await page.getByTestId('inspector-form').getByRole('radio', { name: 'Reference' }).check()
  await page.getByTestId('inspector-form').getByLabel('By', { exact: true }).fill('event@properties.qty')
  await page.getByTestId('inspector').screenshot({ path: '/tmp/loop-increment-ref.png' })
  await page.getByTestId('theme-toggle').click()
  await page.screenshot({ path: '/tmp/loop-light.png' })
})
