/**
 * API methods around deploying: the deploy settings, the draft's test result the Deploy dialog
 * shows, and one revision's content for History. Kept apart from contract.ts so the list there
 * stays readable; contract.ts spreads these in, and they travel like every other method.
 */
import { z } from 'zod'
import type { Flow } from '../flow/types'

const FlowId = z.string().min(1).max(100)
/** A flow document; the engine loads and checks it as it would any draft. */
const FlowDocument = z.custom<Flow>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
)

export const DeploySettings = z.object({
  /** "Refuse to deploy while tests fail": `flows.deploy` answers `tests-failing` when a case fails. */
  refuseFailingTests: z.boolean(),
})
export type DeploySettings = z.infer<typeof DeploySettings>

export const DraftTestResult = z.object({
  total: z.number().int(),
  passed: z.number().int(),
  failed: z.number().int(),
  failing: z.array(z.object({ index: z.number().int(), name: z.string(), reason: z.string() })),
})
export type DraftTestResult = z.infer<typeof DraftTestResult>

export const stagingMethods = {
  'settings.deploy': { input: z.object({}).strict().optional(), output: DeploySettings },
  'settings.saveDeploy': {
    input: z.object({ refuseFailingTests: z.boolean().optional() }).strict(),
    output: DeploySettings,
  },
  /** Runs the draft's test cases (as deploy would check them) and answers with the sums. */
  'flows.testDraft': {
    input: z
      .object({
        id: FlowId,
        /** The draft as the designer holds it, when its last edits may not be saved yet. */
        flow: FlowDocument.optional(),
      })
      .strict(),
    output: DraftTestResult,
  },
  /** One deployed revision as it was deployed (History views and diffs it before a revert). */
  'flows.revision': {
    input: z.object({ id: FlowId, revision: z.number().int().positive() }).strict(),
    output: z.object({
      revision: z.number().int(),
      flow: FlowDocument,
      createdAt: z.string(),
      note: z.string().nullable(),
    }),
  },
} as const
