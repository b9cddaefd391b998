/// <reference lib="dom" />
/**
 * Deploying with eyes open: the Deploy dialog shows the draft's test result and can refuse while
 * a case fails; History shows and diffs a revision before reverting; Export names its revision.
 */
import { readFileSync } from 'node:fs'
import { unzipSync } from 'fflate'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { Flow } from '../src-shared/flow/types'
import { openFlow, sampleFlow } from './designer-helpers'
import { useAppPerTest } from './helpers'

const getApp = useAppPerTest({
  beforeAll,
  afterAll,
  beforeEach,
  afterEach,
  expectNoPageErrors: (errors) => expect(errors).toEqual([]),
})

/** vip-tagging with its threshold raised: the "big purchase" case no longer makes a VIP. */
function vipWithRaisedThreshold(): Flow {
  const flow = sampleFlow('vip-tagging') as unknown as Flow
  flow.nodes.find((n) => n.id === 'threshold')!.config = {
    condition: 'profile.traits.totalSpent >= 5000',
  }
  return flow
}

describe('deploy, history and export', () => {
  it('shows the draft test result in the Deploy dialog and refuses to deploy while a case fails', async () => {
    const app = getApp()
    const { page } = app
    app.app.store.createFlow(vipWithRaisedThreshold())
    await page.reload()
    await openFlow(page, 'vip-tagging')

    await page.getByTestId('deploy-button').click()
    const dialog = page.getByTestId('deploy-dialog')
    await dialog.getByTestId('deploy-tests-summary').getByText('2 passed, 1 failed').waitFor()
    await expect(dialog.getByTestId('deploy-failing-0').textContent()).resolves.toContain(
      'A big purchase makes a VIP',
    )
    // Off by default: the user sees the failure and may still deploy.
    expect(await dialog.getByTestId('deploy-confirm').isEnabled()).toBe(true)

    await dialog.getByTestId('deploy-refuse-failing').check()
    await dialog.getByTestId('deploy-tests-blocked').waitFor()
    expect(await dialog.getByTestId('deploy-confirm').isDisabled()).toBe(true)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    // The setting is kept (in the app's database) and main enforces it too.
    await page.reload()
    await openFlow(page, 'vip-tagging')
    await page.getByTestId('deploy-button').click()
    await dialog.getByTestId('deploy-tests-blocked').waitFor()
    expect(await dialog.getByTestId('deploy-refuse-failing').isChecked()).toBe(true)
    await expect(
      page.evaluate(async () => {
        const response = await fetch('./api/flows.deploy', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${sessionStorage.getItem('flowbench.token') ?? ''}`,
          },
          body: JSON.stringify({ id: 'vip-tagging' }),
        })
        return ((await response.json()) as { error?: { code: string } }).error?.code
      }),
    ).resolves.toBe('tests-failing')
    expect(app.app.store.history('vip-tagging')).toEqual([])

    await dialog.getByTestId('deploy-refuse-failing').uncheck()
    await dialog.getByTestId('deploy-confirm').click()
    await dialog.waitFor({ state: 'detached' })
    expect(app.app.store.history('vip-tagging')).toHaveLength(1)
  })

  it('views a revision in History and diffs it against the draft before reverting', async () => {
    const app = getApp()
    const { page } = app
    const { store } = app.app
    const deployed = sampleFlow('vip-tagging') as unknown as Flow
    store.createFlow(deployed)
    store.deploy('vip-tagging', { validate: () => [], note: 'launch' })
    // Since r1 the draft lost its welcome message and raised the threshold.
    const draft = vipWithRaisedThreshold()
    draft.nodes = draft.nodes.filter((n) => n.id !== 'welcome')
    draft.edges = draft.edges.filter((e) => e.target !== 'welcome')
    store.saveDraft('vip-tagging', store.getFlow('vip-tagging').draft.version, draft)
    await page.reload()
    await openFlow(page, 'vip-tagging')

    await page.getByTestId('history-button').click()
    await page.getByTestId('view-1').click()
    const view = page.getByTestId('revision-view')
    const diff = view.getByTestId('revision-diff')
    await expect(
      diff.getByTestId('revision-diff-changed-threshold').textContent(),
    ).resolves.toMatch(/threshold.*config\.condition/)
    await expect(diff.getByTestId('revision-diff-removed-welcome').textContent()).resolves.toMatch(
      /welcome/,
    )
    expect(await diff.textContent()).toContain('since.payload → welcome.payload')
    await view.getByTestId('revision-tab-nodes').click()
    expect(await view.getByTestId('revision-nodes').locator('tr').count()).toBe(
      deployed.nodes.length,
    )
    await view.getByTestId('revision-tab-json').click()
    expect(await view.getByTestId('revision-json').textContent()).toContain(
      'profile.traits.totalSpent >= 1000',
    )
    // Viewing changed nothing; Escape closes the revision, then the drawer.
    expect(store.getFlow('vip-tagging').draft.flow.nodes).toHaveLength(draft.nodes.length)
    await page.keyboard.press('Escape')
    await view.waitFor({ state: 'detached' })
    await page.getByTestId('history').waitFor()

    await page.getByTestId('view-1').click()
    await view.getByTestId('revision-view-revert').click()
    await view.waitFor({ state: 'detached' })
    await expect
      .poll(() => store.getFlow('vip-tagging').draft.flow.nodes.length)
      .toBe(deployed.nodes.length)
    await page.getByTestId('view-1').click()
    await view.getByText('The draft is the same as r1').waitFor()
    await page.keyboard.press('Escape')
    await page.keyboard.press('Escape')
    await page.getByTestId('history').waitFor({ state: 'detached' })
  })

  it('names the revision an export ships, in the dialog, the file name and the manifest', async () => {
    const app = getApp()
    const { page } = app
    app.app.store.createFlow(sampleFlow('vip-tagging') as unknown as Flow)
    await page.reload()
    await openFlow(page, 'vip-tagging')

    // Never deployed: only the draft can ship, and the dialog says so.
    await page.getByTestId('export-bundle').click()
    const dialog = page.getByTestId('export-dialog')
    await dialog.getByText('Production: never deployed').waitFor()
    expect(await dialog.getByTestId('export-source-production').isDisabled()).toBe(true)
    expect(await dialog.getByTestId('export-file-name').textContent()).toBe(
      'vip-tagging-draft.flowbundle',
    )
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    await page.getByTestId('deploy-button').click()
    await page.getByTestId('deploy-confirm').click()
    await page.getByTestId('deploy-dialog').waitFor({ state: 'detached' })
    await page.getByTestId('export-bundle').click()
    await dialog.getByTestId('export-source-production').waitFor()
    expect(await dialog.getByTestId('export-source-production').isChecked()).toBe(true)
    expect(await dialog.getByTestId('export-file-name').textContent()).toBe(
      'vip-tagging-r1.flowbundle',
    )
    expect(await dialog.getByTestId('export-confirm').textContent()).toBe('Export r1')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByTestId('export-confirm').click(),
    ])
    expect(download.suggestedFilename()).toBe('vip-tagging-r1.flowbundle')
    const entries = unzipSync(readFileSync((await download.path())!))
    const manifest = JSON.parse(new TextDecoder().decode(entries['manifest.json'])) as {
      flows: { id: string; revision: number | null }[]
    }
    expect(manifest.flows).toMatchObject([{ id: 'vip-tagging', revision: 1 }])

    await page.getByTestId('export-bundle').click()
    await dialog.getByTestId('export-source-draft').check()
    const [draft] = await Promise.all([
      page.waitForEvent('download'),
      dialog.getByTestId('export-confirm').click(),
    ])
    expect(draft.suggestedFilename()).toBe('vip-tagging-draft.flowbundle')
  })
})
