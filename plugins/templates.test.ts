import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../src-main/plugins-host/registry'
import { runTestTemplate } from '../src-main/plugins-host/test-template'
import { validateFlow } from '../src-shared/flow/validate'

const registry = PluginRegistry.withBuiltins()

describe('every built-in plugin', () => {
  it.each(registry.list().map((p) => [p.id, p] as const))(
    '%s passes its own test template',
    async (_id, plugin) => {
      const outcome = await runTestTemplate(plugin, registry)
      expect(outcome, outcome.message).toMatchObject({ passed: true })
    },
  )

  it.each(registry.list().map((p) => [p.id, p] as const))(
    '%s has a default config its schema accepts, and docs for each port',
    (_id, plugin) => {
      const flow = {
        schemaVersion: 1,
        id: 'defaults',
        name: 'defaults',
        nodes: [
          { id: 'start', plugin: 'trigger.manual', position: { x: 0, y: 0 }, config: {} },
          {
            id: 'subject',
            plugin: plugin.id,
            position: { x: 0, y: 0 },
            config: plugin.defaultConfig,
          },
        ].filter((n, i) => i === 1 || !plugin.id.startsWith('trigger.')),
        edges: [],
      }
      const configProblems = validateFlow(flow, { plugins: registry }).filter(
        (p) => p.code === 'invalid-config',
      )
      // A subflow node cannot guess which flow to run: its empty default is flagged until the user picks one.
      if (plugin.id === 'flow.subflow')
        expect(configProblems.map((p) => p.path)).toEqual(['/nodes/1/config/flowId'])
      else expect(configProblems).toEqual([])
      expect(plugin.docs.markdown.length).toBeGreaterThan(20)
      for (const port of plugin.outputs)
        expect(plugin.docs.outputs?.[port], `docs for output ${port}`).toBeTruthy()
      for (const port of plugin.inputs)
        expect(plugin.docs.inputs?.[port], `docs for input ${port}`).toBeTruthy()
    },
  )
})

describe('the built-in library', () => {
  it('has every plugin id design §5 names', () => {
    const ids = [
      'trigger.manual',
      'trigger.event',
      'trigger.webhook',
      'trigger.schedule',
      'trigger.subflow',
      'flow.if',
      'flow.switch',
      'flow.join',
      'flow.for-each',
      'flow.subflow',
      'flow.sleep',
      'flow.throw',
      'flow.end',
      'flow.log',
      'data.set',
      'data.copy',
      'data.delete',
      'data.append',
      'data.increment',
      'data.template',
      'data.transform',
      'data.merge',
      'data.hash',
      'data.mask',
      'profile.add-segment',
      'profile.remove-segment',
      'profile.has-segment',
      'profile.add-consent',
      'profile.merge',
      'http.request',
      'code.javascript',
      'code.python',
    ]
    const have = new Set(registry.list().map((p) => p.id))
    expect(ids.filter((id) => !have.has(id))).toEqual([])
  })
})
