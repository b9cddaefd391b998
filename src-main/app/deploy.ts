/**
 * "Deploy this draft": the one home of the use case. Before a draft becomes production its test
 * cases run (the Deploy dialog shows the result), and when the user has asked for it a failing
 * case refuses the deploy here, in main, so no caller of the API can skip the check.
 */
import { ApiFailure } from '../../src-shared/api/result'
import type { Flow, Problem, TestCase } from '../../src-shared/flow/types'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { PluginSource } from '../engine/load'
import type { Store } from '../store/store'
import { runTests } from '../testing/run-tests'

/** The settings key of "Refuse to deploy while tests fail" (app-wide, kept in the database). */
const REFUSE_FAILING_TESTS = 'deploy.refuseFailingTests'

export interface DeploySettings {
  refuseFailingTests: boolean
}

export interface DraftTestResult {
  total: number
  passed: number
  failed: number
  /** The failing cases, in suite order, with the first reason each failed. */
  failing: { index: number; name: string; reason: string }[]
}

export interface DeployContext {
  store: Store
  plugins: PluginSource
  resolveFlow: (flowId: string) => Flow | undefined
  environment: () => RunEnvironment
  validate: (flow: Flow) => Problem[]
}

export function deploySettings(store: Store): DeploySettings {
  return { refuseFailingTests: store.environments.getSetting(REFUSE_FAILING_TESTS) === 'true' }
}

export function saveDeploySettings(
  store: Store,
  settings: Partial<DeploySettings>,
): DeploySettings {
  if (settings.refuseFailingTests !== undefined)
    store.environments.setSetting(REFUSE_FAILING_TESTS, String(settings.refuseFailingTests))
  return deploySettings(store)
}

/**
 * Runs the draft's test cases, as the test bench would, and sums them up. `unsaved` is the draft
 * as the designer holds it (its last edits may not be autosaved yet).
 */
export async function testDraft(
  ctx: DeployContext,
  id: string,
  unsaved?: Flow,
): Promise<DraftTestResult> {
  const flow = unsaved ?? ctx.store.getFlow(id).draft.flow
  const cases = (flow.tests ?? []) as TestCase[]
  const suite = await runTests(flow, cases, {
    plugins: ctx.plugins,
    resolveFlow: ctx.resolveFlow,
    environment: ctx.environment,
  })
  return {
    total: suite.cases.length,
    passed: suite.cases.filter((c) => c.passed).length,
    failed: suite.cases.filter((c) => !c.passed).length,
    failing: suite.cases
      .filter((c) => !c.passed)
      .map((c) => ({
        index: c.index,
        name: c.name,
        reason: c.error ?? c.unmet[0]?.message ?? 'failed',
      })),
  }
}

/**
 * Copies the draft to production. With "Refuse to deploy while tests fail" on, the draft's cases
 * run first and any failure refuses the deploy (`tests-failing`), production unchanged.
 */
export async function deployDraft(
  ctx: DeployContext,
  id: string,
  note?: string,
): Promise<{ revision: number; deployedAt: string }> {
  if (deploySettings(ctx.store).refuseFailingTests) {
    const result = await testDraft(ctx, id)
    if (result.failed > 0) {
      const names = result.failing.map((f) => `“${f.name}”`).join(', ')
      throw new ApiFailure(
        'tests-failing',
        `Deploy refused: ${result.failed} of ${result.total} test case${result.total === 1 ? '' : 's'} fail (${names}); production is unchanged. Fix them or turn off “Refuse to deploy while tests fail”.`,
        result,
      )
    }
  }
  const deployed = ctx.store.deploy(id, { note, validate: ctx.validate })
  return { revision: deployed.revision, deployedAt: deployed.deployedAt }
}
