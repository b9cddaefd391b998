/**
 * Attack: someone at a user's machine (or a "paste this in the console" scam) opens devtools in
 * the installed app and drives the API or reads data from the console. Packaged builds now have
 * no devtools: webPreferences.devTools is off, the shortcuts are swallowed, the menu item is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LaunchedMain } from '../electron/launch-main'
import { buildMain, launchMain } from '../electron/launch-main'

let main: LaunchedMain

beforeAll(async () => {
  main = await launchMain(buildMain('security-devtools'), { packaged: true })
}, 120_000)

afterAll(async () => {
  await main?.close()
})

describe('devtools in a packaged build', () => {
  it('are disabled for the window', () => {
    expect(main.window.options.webPreferences.devTools).toBe(false)
  })

  it.each([
    ['F12', {}],
    ['I', { control: true, shift: true }],
    ['J', { control: true, shift: true }],
    ['i', { meta: true, alt: true }],
  ])('ignore %s', (key, modifiers) => {
    let prevented = false
    const input = {
      type: 'keyDown',
      key,
      control: false,
      shift: false,
      meta: false,
      alt: false,
      ...modifiers,
    }
    main.window.webContents.emit(
      'before-input-event',
      { preventDefault: () => (prevented = true) },
      input,
    )
    expect(prevented).toBe(true)
  })

  it('close again if something opens them', () => {
    main.window.webContents.emit('devtools-opened')
    expect(main.window.webContents.devToolsClosed).toBeGreaterThan(0)
  })

  it('have no menu item', () => {
    const menu = JSON.stringify(main.electron.applicationMenu?.template ?? null)
    expect(menu).not.toBe('null')
    expect(menu).not.toMatch(/toggleDevTools|"viewMenu"/)
  })
})
