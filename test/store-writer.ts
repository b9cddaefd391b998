/**
 * Child process for the crash test: writes drafts, runs and profile changes in a loop and
 * prints `ack <kind> <value>` only after each write has returned. The test kills it at random.
 */
import { readFileSync } from 'node:fs'
import { Engine } from '../src-main/engine/runner'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { Store } from '../src-main/store/store'
import type { Flow } from '../src-shared/flow/types'

const [dataDir, samplePath] = process.argv.slice(2)
const store = Store.open(dataDir!)
const sample = JSON.parse(readFileSync(samplePath!, 'utf8')) as Flow
const flowId = 'crash-test'
if (!store.listFlows({ includeDeleted: true }).some((f) => f.id === flowId)) store.createFlow({ ...sample, id: flowId })
const engine = new Engine({ plugins: PluginRegistry.withBuiltins(), store: store.state })
const loaded = engine.load(sample)
process.stdout.write('ready\n')

let counter = 0
for (;;) {
  const current = store.getFlow(flowId)
  const saved = store.saveDraft(flowId, current.draft.version, { ...current.draft.flow, description: `save ${++counter}` })
  process.stdout.write(`ack draft ${saved.version}\n`)
  const report = await engine.run(loaded, { event: { type: 'purchase', profileId: 'crash-profile', properties: { total: 1 } }, trace: 'summary' })
  store.recordRun(report)
  process.stdout.write(`ack run ${report.runId}\n`)
  process.stdout.write(`ack purchases ${(report.state.profile as { traits: { purchases: number } }).traits.purchases}\n`)
}
