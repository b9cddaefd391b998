/**
 * Runs a plugin's own test template: the plugin as the one node after a manual start (or as
 * the start itself for triggers), fed the template's payload, checked against its expectation.
 */
import type { Flow } from '../../src-shared/flow/types'
import type { PluginDefinition } from '../../src-shared/plugin-sdk'
import { isTriggerPlugin } from '../../src-shared/plugin-sdk'
import { jsonEqual } from '../../src-shared/expr/values'
import type { PluginSource } from '../engine/load'
import { Engine } from '../engine/runner'

export interface TemplateOutcome {
  pluginId: string
  passed: boolean
  message: string
}

export async function runTestTemplate(
  definition: PluginDefinition,
  plugins: PluginSource,
): Promise<TemplateOutcome> {
  const template = definition.testTemplate
  const config = template.config ?? definition.defaultConfig
  const trigger = isTriggerPlugin(definition)
  const flow: Flow = {
    schemaVersion: 1,
    id: `template-${definition.id.replace(/[^A-Za-z0-9]/g, '-')}`,
    name: `Test template of ${definition.id}`,
    nodes: trigger
      ? [{ id: 'subject', plugin: definition.id, position: { x: 0, y: 0 }, config }]
      : [
          { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
          { id: 'subject', plugin: definition.id, position: { x: 200, y: 0 }, config },
        ],
    edges: trigger
      ? []
      : [
          {
            id: 'in',
            source: 'start',
            sourcePort: 'payload',
            target: 'subject',
            targetPort: definition.inputs[0] ?? 'payload',
          },
        ],
  }
  const engine = new Engine({ plugins })
  let report
  try {
    const event = trigger
      ? { ...(template.state?.event ?? {}), ...(template.payload as object) }
      : (template.state?.event ?? {})
    report = await engine.run(engine.load(flow), {
      event,
      profile: template.state?.profile,
      mocks: trigger ? undefined : { start: { port: 'payload', value: template.payload ?? {} } },
      testing: true,
    })
  } catch (error) {
    return { pluginId: definition.id, passed: false, message: (error as Error).message }
  }
  const subject = report.nodes.find((n) => n.nodeId === 'subject')
  const expectedPort = template.expect?.port
  if (!subject) return { pluginId: definition.id, passed: false, message: 'the node did not run' }
  if (expectedPort === 'error') {
    return subject.status === 'error'
      ? { pluginId: definition.id, passed: true, message: 'failed as expected' }
      : {
          pluginId: definition.id,
          passed: false,
          message: 'expected an error, but the node succeeded',
        }
  }
  if (subject.status !== 'ok')
    return {
      pluginId: definition.id,
      passed: false,
      message: `the node ended with ${subject.status}: ${subject.error?.message ?? ''}`,
    }
  if (expectedPort === null) {
    return subject.outputs.length === 0
      ? { pluginId: definition.id, passed: true, message: 'sent nothing, as expected' }
      : {
          pluginId: definition.id,
          passed: false,
          message: `expected no output, got port ${subject.outputs[0]!.port}`,
        }
  }
  if (expectedPort === undefined) return { pluginId: definition.id, passed: true, message: 'ran' }
  const output = subject.outputs.find((o) => o.port === expectedPort)
  if (!output) {
    return {
      pluginId: definition.id,
      passed: false,
      message: `expected output on "${expectedPort}", got ${subject.outputs.map((o) => o.port).join(', ') || 'nothing'}`,
    }
  }
  if (
    template.expect &&
    'value' in template.expect &&
    !jsonEqual(output.value, template.expect.value)
  ) {
    return {
      pluginId: definition.id,
      passed: false,
      message: `expected ${JSON.stringify(template.expect.value)} on "${expectedPort}", got ${JSON.stringify(output.value)}`,
    }
  }
  return { pluginId: definition.id, passed: true, message: 'passed' }
}
