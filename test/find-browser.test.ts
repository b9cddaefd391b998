/**
 * The end-to-end suite finds a browser on a machine without a system Chromium: the order of the
 * places it looks, the bundled @sparticuz/chromium actually drawing a page, and one clear line
 * when there is nothing to launch.
 */
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { findBrowser, NO_BROWSER_MESSAGE } from '../e2e/find-browser'

const present =
  (...files: string[]) =>
  (file: string) =>
    files.includes(file)
const none = { systemPaths: [], playwrightPath: () => null, sparticuz: async () => null }

describe('findBrowser', () => {
  it('takes CHROMIUM_PATH first, then a system browser, then PATH, then Playwright’s', async () => {
    const all = present(
      '/opt/mine/chrome',
      '/usr/bin/chromium',
      '/home/me/bin/google-chrome',
      '/pw/chrome',
    )
    const options = {
      systemPaths: ['/usr/bin/chromium'],
      playwrightPath: () => '/pw/chrome',
      sparticuz: async () => null,
      exists: all,
    }
    await expect(
      findBrowser({ ...options, env: { CHROMIUM_PATH: '/opt/mine/chrome', PATH: '/home/me/bin' } }),
    ).resolves.toMatchObject({ executablePath: '/opt/mine/chrome', source: 'CHROMIUM_PATH' })
    await expect(findBrowser({ ...options, env: { PATH: '/home/me/bin' } })).resolves.toMatchObject(
      { executablePath: '/usr/bin/chromium', source: 'system' },
    )
    await expect(
      findBrowser({ ...options, systemPaths: [], env: { PATH: '/home/me/bin' } }),
    ).resolves.toMatchObject({ executablePath: '/home/me/bin/google-chrome', source: 'system' })
    await expect(
      findBrowser({ ...options, systemPaths: [], env: { PATH: '/nowhere' } }),
    ).resolves.toMatchObject({ executablePath: '/pw/chrome', source: 'playwright' })
  })

  it('names a CHROMIUM_PATH that does not exist instead of looking elsewhere', async () => {
    await expect(
      findBrowser({
        ...none,
        env: { CHROMIUM_PATH: '/missing/chrome' },
        exists: present('/usr/bin/chromium'),
      }),
    ).rejects.toThrow('CHROMIUM_PATH is /missing/chrome, which does not exist')
  })

  it('says in one line what to install when there is no browser at all', async () => {
    const error = await findBrowser({
      ...none,
      env: { PATH: '/nowhere' },
      exists: () => false,
    }).catch((e: Error) => e)
    expect((error as Error).message).toBe(NO_BROWSER_MESSAGE)
    expect(NO_BROWSER_MESSAGE).not.toContain('\n')
    expect(NO_BROWSER_MESSAGE).toMatch(/apt-get install chromium/)
  })

  it.runIf(process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch))(
    'falls back to the Chromium inside @sparticuz/chromium, which draws a page headless',
    async () => {
      // No CHROMIUM_PATH, no system browser, no Playwright download: only the npm package is left.
      const found = await findBrowser({
        env: { PATH: '' },
        systemPaths: [],
        playwrightPath: () => null,
      })
      expect(found.source).toBe('@sparticuz/chromium')
      const browser = await chromium.launch({
        executablePath: found.executablePath,
        headless: true,
        args: found.args,
      })
      try {
        const page = await browser.newPage()
        await page.setContent('<p id="p">drawn</p>')
        await expect(page.locator('#p').textContent()).resolves.toBe('drawn')
      } finally {
        await browser.close()
      }
    },
    120000,
  )
})
