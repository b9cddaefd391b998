/**
 * Attack: the renderer (or anything injected into it) reads files outside the app, by climbing
 * out of the renderer folder with `../`, encoded separators or a symlink. Under file:// any
 * relative URL reached the whole disk; under app:// only the renderer build is served.
 */
import { symlinkSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LaunchedMain } from '../electron/launch-main'
import { buildMain, launchMain, requestFromPage } from '../electron/launch-main'

let main: LaunchedMain

beforeAll(async () => {
  main = await launchMain(buildMain('security-traversal'), { packaged: true })
  symlinkSync(main.secretFile, path.join(main.rendererDir, 'assets', 'innocent.txt'))
}, 120_000)

afterAll(async () => {
  await main?.close()
})

describe('the window cannot read files outside the renderer build', () => {
  it('is served from app://, not from the file system', () => {
    expect(main.window.loadedUrl).toMatch(/^app:\/\/flowbench\//)
  })

  it.each([
    '../secret.txt',
    '../../secret.txt',
    './assets/../../secret.txt',
    '..%2fsecret.txt',
    'assets/..%2f..%2fsecret.txt',
    '%2e%2e/secret.txt',
    '..%5csecret.txt',
    'assets/innocent.txt',
  ])('refuses %s', async (relative) => {
    const answer = await requestFromPage(main, relative)
    expect(answer.body).not.toContain(main.secretText)
    expect(answer.status).toBeGreaterThanOrEqual(400)
  })

  it('refuses /etc/passwd however it is spelled', async () => {
    for (const relative of [
      '../../../../../../etc/passwd',
      '..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/etc/passwd',
    ]) {
      const answer = await requestFromPage(main, relative)
      expect(answer.body, relative).not.toMatch(/root:.*:0:0:/)
    }
  })

  it('still serves the app itself', async () => {
    expect(await requestFromPage(main, './assets/app.js')).toMatchObject({ status: 200 })
  })
})
