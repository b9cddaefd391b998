import { describe, expect, it } from 'vitest'
import { cloneJson } from './json'
import { SAMPLES, sampleEvent, sampleFlow } from '../../test/fixtures/flows'
import { testRegistry } from '../../test/fixtures/plugins'
import { validateFlow } from '../../src-shared/flow/validate'
import { FlowLoadError } from './load'
import { Engine, RunInputError } from './runner'

/** A small seeded PRNG so a failure can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const NASTY: unknown[] = [
  null,
  0,
  -1,
  1e308,
  '',
  'x',
  '{{',
  '{{ }}',
  'event@',
  'profile@__proto__.x',
  '__proto__',
  true,
  [],
  {},
  [null],
  { __proto__: { polluted: 1 } },
  'constructor',
  '{{ constructor }}',
  'payload@...',
]

function mutate(value: unknown, random: () => number, depth = 0): unknown {
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!
  if (depth > 6 || random() < 0.15) return pick(NASTY)
  if (Array.isArray(value)) {
    const copy = value.map((item) => (random() < 0.3 ? mutate(item, random, depth + 1) : item))
    const r = random()
    if (r < 0.1 && copy.length > 0) copy.splice(Math.floor(random() * copy.length), 1)
    else if (r < 0.2 && copy.length > 0) copy.push(cloneJson(pick(copy)))
    return copy
  }
  if (value && typeof value === 'object') {
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) }
    const keys = Object.keys(copy)
    for (const key of keys) if (random() < 0.25) copy[key] = mutate(copy[key], random, depth + 1)
    if (random() < 0.1 && keys.length > 0) delete copy[pick(keys)]
    if (random() < 0.05)
      copy[pick(['extra', 'colour', 'join', 'disabled', 'retry', 'timeoutMs'])] = pick(NASTY)
    return copy
  }
  return random() < 0.5 ? pick(NASTY) : value
}

describe('fuzz: mutated sample flows', () => {
  it('always get problems or a report from the validator and the runner, never a crash', async () => {
    const registry = testRegistry()
    const engine = new Engine({ plugins: registry })
    const random = prng(20261122)
    let reports = 0
    let refused = 0
    for (let i = 0; i < 600; i++) {
      const name = SAMPLES[i % SAMPLES.length]!
      const flow = mutate(sampleFlow(name), random)
      const event = random() < 0.8 ? sampleEvent(name) : mutate(sampleEvent(name), random)
      const problems = validateFlow(flow, { plugins: registry })
      expect(Array.isArray(problems)).toBe(true)
      try {
        const report = await engine.run(engine.load(flow), {
          event,
          trace: random() < 0.5 ? 'full' : 'summary',
        })
        expect(['succeeded', 'failed', 'cancelled']).toContain(report.status)
        reports++
      } catch (error) {
        if (!(error instanceof FlowLoadError) && !(error instanceof RunInputError)) throw error
        refused++
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(reports).toBeGreaterThan(20)
    expect(refused).toBeGreaterThan(20)
  })
})
