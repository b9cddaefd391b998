/**
 * A plugin (perhaps from a bundle) can carry a config schema with a catastrophic `pattern`;
 * a flow's config value then froze validation — in the CLI, in `serve`, and live in the
 * editor — for minutes. Patterns from schemas run on a linear-time engine, and a schema the
 * engine cannot run is refused when the plugin is registered.
 */
import { describe, expect, it } from 'vitest'
import { definePlugin } from '../../src-shared/plugin-sdk'
import { validateFlow } from '../../src-shared/flow/validate'
import { formValidator } from '../../src-renderer/inspector/form-validator'
import { PluginRefusedError, PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'
import type { RJSFSchema } from '@rjsf/utils'

const EVIL = '^(a+)+$'
const ATTACK = 'a'.repeat(40) + '!'

function pluginWith(id: string, configSchema: Record<string, unknown>) {
  return definePlugin({
    id,
    version: '1.0.0',
    name: 'Evil',
    description: 'A schema with a catastrophic pattern',
    group: 'Test',
    inputs: ['payload'],
    outputs: ['payload'],
    configSchema,
    defaultConfig: {},
    docs: { markdown: 'evil' },
    testTemplate: { config: {}, payload: {} },
    create: () => ({ run: () => undefined }),
  })
}

const schemas = {
  // Handled by the compiled fast path.
  'evil.fast': { type: 'object', properties: { name: { type: 'string', pattern: EVIL } } },
  // A keyword the fast path leaves to @cfworker/json-schema.
  'evil.slow': {
    type: 'object',
    properties: { name: { type: 'string', pattern: EVIL } },
    if: { required: ['name'] },
    then: { required: ['name'] },
  },
}

function timed<T>(work: () => T): { value: T; ms: number } {
  const started = performance.now()
  const value = work()
  return { value, ms: performance.now() - started }
}

describe('patterns in plugin schemas', () => {
  for (const [id, schema] of Object.entries(schemas)) {
    it(`validating a flow against ${id} answers at once and reports the pattern`, () => {
      const registry = PluginRegistry.withBuiltins()
      registry.register(pluginWith(id, schema), 'user')
      const flow = buildFlow(
        [
          ['start', 'trigger.manual'],
          ['x', id, { name: ATTACK }],
        ],
        ['start.payload -> x'],
      )
      validateFlow(
        buildFlow(
          [
            ['start', 'trigger.manual'],
            ['x', id, { name: 'warm' }],
          ],
          ['start.payload -> x'],
        ),
        { plugins: registry },
      )
      const { value: problems, ms } = timed(() => validateFlow(flow, { plugins: registry }))
      expect(ms).toBeLessThan(50)
      const problem = problems.find((p) => p.code === 'invalid-config')
      expect(problem?.nodeId).toBe('x')
      expect(problem?.message).toContain(EVIL)
      const ok = validateFlow(
        buildFlow(
          [
            ['start', 'trigger.manual'],
            ['x', id, { name: 'aaa' }],
          ],
          ['start.payload -> x'],
        ),
        { plugins: registry },
      )
      expect(ok.filter((p) => p.code === 'invalid-config')).toEqual([])
    })

    it(`the inspector's form validator answers at once for ${id}`, () => {
      formValidator.rawValidation(schema as RJSFSchema, { name: 'warm' })
      const { value: errors, ms } = timed(() =>
        formValidator.rawValidation(schema as RJSFSchema, { name: ATTACK }),
      )
      expect(ms).toBeLessThan(50)
      expect(JSON.stringify(errors)).toContain('does not match pattern')
    })
  }

  it('a schema the linear engine cannot run is refused at registration, naming it', () => {
    const registry = PluginRegistry.withBuiltins()
    const lookahead = pluginWith('evil.lookahead', {
      type: 'object',
      properties: { name: { type: 'string', pattern: '^(?=a)a+$' } },
    })
    expect(() => registry.register(lookahead, 'user')).toThrow(PluginRefusedError)
    expect(() => registry.register(lookahead, 'user')).toThrow(/\(\?=a\)a\+\$/)
    const patternProperties = pluginWith('evil.keys', {
      type: 'object',
      patternProperties: { [EVIL]: { type: 'string' } },
    })
    expect(() => registry.register(patternProperties, 'user')).toThrow(/patternProperties/)
  })
})
