/**
 * Attack: the engine compiles the paths of references and expressions into functions (for speed),
 * so a flow — which anyone may send in a bundle — names keys written to break out of the code
 * generated for them: quotes, backslashes, line separators, `"]); globalThis.x = 1; //`. Keys
 * must stay data: read and written under exactly that name, nothing else run.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'

const HOSTILE_KEYS = [
  'a"b',
  "a'b",
  'back\\slash',
  'line\u2028separator',
  'x"]); globalThis.__flowbenchPwned = 1; //',
  "x']); globalThis.__flowbenchPwned = 1; //",
  '`${globalThis.__flowbenchPwned = 1}`',
]

/** Reference paths take no whitespace (a clear invalid-reference error) and split on dots, so these have neither. */
const HOSTILE_REF_KEYS = [
  'a"b',
  "a'b",
  'back\\slash',
  'x"]);globalThis["__flowbenchPwned"]=1;//',
  "x']);globalThis['__flowbenchPwned']=1;//",
  '`${globalThis["__flowbenchPwned"]=1}`',
]

const pwned = () => (globalThis as { __flowbenchPwned?: unknown }).__flowbenchPwned

afterEach(() => {
  delete (globalThis as { __flowbenchPwned?: unknown }).__flowbenchPwned
})

describe('keys in compiled reference and expression paths', () => {
  it('are read as data under their exact names in expressions, never run as code', async () => {
    const engine = new Engine({ plugins: PluginRegistry.withBuiltins() })
    for (const key of HOSTILE_KEYS) {
      const literal = JSON.stringify(key)
      const flow = buildFlow(
        [
          ['start', 'trigger.manual'],
          // The same node runs for every event, so its paths are compiled after the first runs.
          ['keep', 'data.set', { values: { 'flow@box': 'event@properties' } }],
          ['check', 'flow.if', { condition: `event.properties[${literal}] == "value"` }],
        ],
        ['start.payload -> keep', 'keep.payload -> check'],
      )
      const loaded = engine.load(flow)
      for (let i = 0; i < 5; i++) {
        const report = await engine.run(loaded, { event: { properties: { [key]: 'value' } } })
        expect(report.status, key).toBe('succeeded')
        expect((report.state.flow as { box: Record<string, unknown> }).box[key], key).toBe('value')
        const check = report.nodes.find((n) => n.nodeId === 'check')!
        expect(
          check.outputs.map((o) => o.port),
          key,
        ).toEqual(['true'])
      }
      expect(pwned(), key).toBeUndefined()
    }
  })

  it('are written and read through references under their exact names, never run as code', async () => {
    const engine = new Engine({ plugins: PluginRegistry.withBuiltins() })
    for (const key of HOSTILE_REF_KEYS) {
      const flow = buildFlow(
        [
          ['start', 'trigger.manual'],
          ['keep', 'data.set', { values: { [`flow@out.${key}`]: `event@properties.${key}` } }],
          ['count', 'data.increment', { path: `profile@traits.${key}`, by: 1 }],
        ],
        ['start.payload -> keep', 'keep.payload -> count'],
      )
      const loaded = engine.load(flow)
      for (let i = 0; i < 5; i++) {
        const report = await engine.run(loaded, {
          event: { profileId: 'p1', properties: { [key]: 'value' } },
        })
        expect(report.errors, key).toEqual([])
        expect((report.state.flow as { out: unknown }).out, key).toEqual({ [key]: 'value' })
        const traits = (report.state.profile as { traits: Record<string, unknown> }).traits
        expect(traits[key], key).toBe(i + 1)
      }
      expect(pwned(), key).toBeUndefined()
    }
  })
})
