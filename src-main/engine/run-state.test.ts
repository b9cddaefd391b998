import { describe, expect, it } from 'vitest'
import { normalizeProfile, normalizeSession } from './run-state'

describe('given profiles and sessions', () => {
  it("keep the caller's fields in their order and fill in the missing ones after them", () => {
    const given = { name: 'Ann', traits: { vip: true }, id: 'p1', score: 3 }
    for (let i = 0; i < 3; i++) {
      const profile = normalizeProfile(given, 'fallback', 'now')
      expect(Object.keys(profile)).toEqual([
        'name',
        'traits',
        'id',
        'score',
        'segments',
        'interests',
        'consents',
        'createdAt',
        'updatedAt',
      ])
      expect(profile).toEqual({
        name: 'Ann',
        traits: { vip: true },
        id: 'p1',
        score: 3,
        segments: [],
        interests: {},
        consents: {},
        createdAt: 'now',
        updatedAt: 'now',
      })
      expect(profile).not.toBe(given)
      expect(normalizeProfile({}, 'new', 'now')).toEqual({
        id: 'new',
        traits: {},
        segments: [],
        interests: {},
        consents: {},
        createdAt: 'now',
        updatedAt: 'now',
      })
    }
    expect(given).toEqual({ name: 'Ann', traits: { vip: true }, id: 'p1', score: 3 })
  })

  it('refuse what is not a profile or a session, as before', () => {
    expect(() => normalizeProfile({ segments: [1] }, 'p', 'now')).toThrow(/segments/)
    expect(() => normalizeProfile({ id: 7 }, 'p', 'now')).toThrow(/profile id/)
    expect(() => normalizeSession({ context: [] }, 's', 'p', 'now')).toThrow(/context/)
    const session = normalizeSession({ device: 'phone', context: { a: 1 } }, 's1', 'p1', 'now')
    expect(Object.keys(session)).toEqual([
      'device',
      'context',
      'id',
      'profileId',
      'createdAt',
      'updatedAt',
    ])
  })
})
