/// <reference lib="dom" />
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { APP_VERSION } from '../src-main/app-context'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

describe('app shell', () => {
  it('renders every region and takes the token out of the address bar', async () => {
    const app = getApp()
    const { page } = app
    for (const id of ['flow-list', 'palette', 'canvas', 'inspector', 'bottom-panel']) {
      await expect(page.getByTestId(id).isVisible()).resolves.toBe(true)
    }
    expect(page.url()).not.toContain('token=')
    expect(app.pageErrors).toEqual([])
  })

  it('shows the version that app.info returned in About', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('about-button').click()
    await page.getByTestId('about-version').waitFor()
    expect(await page.getByTestId('about-version').textContent()).toBe(APP_VERSION)
    expect(Number(await page.getByTestId('about-plugins').textContent())).toBe(
      app.app.registry.size,
    )
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('about').count()).resolves.toBe(0)
  })

  it('lists the plugins in the palette by group', async () => {
    const app = getApp()
    const { page } = app
    await page.getByTestId('palette-flow.if').waitFor()
    await page.getByTestId('palette-search').fill('segment')
    await expect(page.getByTestId('palette-flow.if').count()).resolves.toBe(0)
    await expect(page.getByTestId('palette-profile.add-segment').isVisible()).resolves.toBe(true)
  })

  it('switches between dark and light themes and keeps the choice', async () => {
    const app = getApp()
    const { page } = app
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme)
    const before = await theme()
    await page.getByTestId('theme-toggle').click()
    const after = await theme()
    expect(after).not.toBe(before)
    await page.reload()
    await page.getByTestId('shell').waitFor()
    expect(await theme()).toBe(after)
  })

  it('refuses an API call without the token', async () => {
    const app = getApp()
    const { page, host } = app
    const status = await page.evaluate(async (url) => {
      const response = await fetch(url, { method: 'POST', body: '{}' })
      return response.status
    }, `http://127.0.0.1:${host.port}/api/app.info`)
    expect(status).toBe(401)
    // The browser logs the refused request; that one is expected here.
    app.pageErrors.splice(
      0,
      app.pageErrors.length,
      ...app.pageErrors.filter((e) => !e.includes('401')),
    )
  })
})
