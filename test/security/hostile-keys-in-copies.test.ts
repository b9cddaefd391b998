/**
 * Attack: keys are data anyone can put in an event, a profile or a flow: a webhook body, an
 * event's properties copied into traits, a profile given to a run. The engine copies those
 * documents, partly with functions compiled per key list (engine/shallow-copy.ts).
 * - Keys written to break out of the generated object literal must stay data: copied under
 *   exactly their names, nothing run.
 * - An own "__proto__" entry (JSON.parse makes one) was assigned while copying, which set the
 *   copy's prototype to the sender's object: an event read fields the sender hid in it, and a
 *   profile's counters came from it. Such entries are dropped, as copies always have.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Engine } from '../../src-main/engine/runner'
import { MemoryStateStore } from '../../src-main/engine/state-store'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { buildFlow } from '../fixtures/flows'

const HOSTILE_KEYS = [
  'a"b',
  'back\\slash',
  'line\u2028separator',
  'x": globalThis.__flowbenchPwned = 1, "y',
  '"]: 1 }; globalThis.__flowbenchPwned = 1; ({ "',
  '`${globalThis.__flowbenchPwned = 1}`',
  'constructor',
]

const pwned = () => (globalThis as { __flowbenchPwned?: unknown }).__flowbenchPwned

afterEach(() => {
  delete (globalThis as { __flowbenchPwned?: unknown }).__flowbenchPwned
})

/** An own "__proto__" entry, as JSON.parse makes it: an object that must not become a prototype. */
const PROTO_ENTRY = '"__proto__": { "polluted": "yes", "orders": 1000 }'

/**
 * A profile as JSON.parse gives it: every hostile key an own entry, at the top and in traits,
 * and an own "__proto__" in both.
 */
function hostileProfile(id: string): Record<string, unknown> {
  const entries = HOSTILE_KEYS.map((key, i) => `${JSON.stringify(key)}: ${i}`).join(', ')
  return JSON.parse(
    `{ "id": ${JSON.stringify(id)}, ${entries}, ${PROTO_ENTRY}, "traits": { ${entries}, ${PROTO_ENTRY}, "orders": 1 } }`,
  ) as Record<string, unknown>
}

describe('keys in compiled one-level copies', () => {
  it('never turn an event\'s own "__proto__" into its prototype', async () => {
    const engine = new Engine({ plugins: PluginRegistry.withBuiltins() })
    const loaded = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['tag', 'data.set', { values: { 'event@tagged': true, 'flow@seen': 'event@extra' } }],
        ],
        ['start.payload -> tag'],
      ),
    )
    const event = JSON.parse(
      `{ "type": "purchase", "properties": { ${PROTO_ENTRY}, "total": 5 }, ${PROTO_ENTRY.replace('"polluted"', '"extra"')} }`,
    ) as Record<string, unknown>
    const report = await engine.run(loaded, { event, trace: 'full' })
    expect(report.status).toBe('succeeded')
    const state = report.state.event as Record<string, unknown>
    const properties = state.properties as Record<string, unknown>
    for (const doc of [state, properties]) {
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype)
      expect(Object.hasOwn(doc, '__proto__')).toBe(false)
    }
    expect(properties).toEqual({ total: 5 })
    expect((properties as { polluted?: unknown }).polluted).toBeUndefined()
    // What the sender hid in "__proto__" is not readable as one of the event's fields.
    expect(report.state.flow).toEqual({ seen: null })
  })

  it('are copied as data under their exact names, never run as code', async () => {
    const store = new MemoryStateStore()
    const engine = new Engine({ plugins: PluginRegistry.withBuiltins(), store })
    const loaded = engine.load(
      buildFlow(
        [
          ['start', 'trigger.manual'],
          ['count', 'data.increment', { path: 'profile@traits.orders' }],
        ],
        ['start.payload -> count'],
        'count-orders',
      ),
    )
    // The first run stores the profile; the next ones load it shared and copy it by key list,
    // often enough for the copiers to be compiled and used.
    const first = await engine.run(loaded, {
      event: { profileId: 'p1' },
      profile: hostileProfile('p1'),
      trace: 'summary',
    })
    expect(first.status).toBe('succeeded')
    const stored = store.profiles.get('p1')!
    const storedTraits = { ...(stored.traits as Record<string, unknown>) }

    let last = first
    for (let i = 0; i < 20; i++) {
      last = await engine.run(loaded, { event: { profileId: 'p1' }, trace: 'summary' })
      expect(last.status).toBe('succeeded')
    }
    expect(pwned()).toBeUndefined()

    const profile = last.state.profile as Record<string, unknown>
    const traits = profile.traits as Record<string, unknown>
    for (const [i, key] of HOSTILE_KEYS.entries()) {
      expect(Object.hasOwn(profile, key), key).toBe(true)
      expect(profile[key], key).toBe(i)
      expect(Object.hasOwn(traits, key), key).toBe(true)
      expect(traits[key], key).toBe(i)
    }
    expect(traits.orders).toBe(22)
    // The own "__proto__" entries are dropped (as copies always have), never made the prototype.
    for (const doc of [profile, traits]) {
      expect(Object.getPrototypeOf(doc)).toBe(Object.prototype)
      expect(Object.hasOwn(doc, '__proto__')).toBe(false)
      expect((doc as { polluted?: unknown }).polluted).toBeUndefined()
    }
    expect(last.changes.profile).toEqual([
      { op: 'replace', path: '/traits/orders', value: 22, oldValue: 21 },
    ])
    // The profile the store held before the last run was copied, never written into.
    expect(storedTraits.orders).toBe(2)
    expect(stored.traits).not.toBe(traits)
  })
})
