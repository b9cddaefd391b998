import { describe, expect, it } from 'vitest'
import type { Scope } from '.'
import {
  compileTemplate,
  ExpressionCache,
  ExpressionError,
  hasTemplate,
  templateExpressions,
} from '.'

const scope: Scope = {
  event: { properties: { total: 150, tags: ['x'], ok: true, nothing: null } },
  profile: { traits: { name: 'Ann' }, segments: ['vip', 'eu'] },
  payload: { n: 3 },
}

describe('templates', () => {
  it('keeps the type of a template that is one whole expression', () => {
    expect(compileTemplate('{{ event.properties.total }}')(scope)).toBe(150)
    expect(compileTemplate('{{event.properties.total}}')(scope)).toBe(150)
    expect(compileTemplate('  {{ profile.segments }} ')(scope)).toEqual(['vip', 'eu'])
    expect(compileTemplate('\n{{ event.properties.ok }}\t')(scope)).toBe(true)
    expect(compileTemplate('{{ event.nope }}')(scope)).toBeNull()
    expect(compileTemplate('{{ payload }}')(scope)).toEqual({ n: 3 })
    expect(compileTemplate('{{ payload.n * 2 }}')(scope)).toBe(6)
  })

  it('renders text with values: null empty, lists and objects as JSON', () => {
    expect(
      compileTemplate('Hi {{ profile.traits.name }}, total {{ event.properties.total }}!')(scope),
    ).toBe('Hi Ann, total 150!')
    expect(compileTemplate('[{{ event.nope }}][{{ event.properties.nothing }}]')(scope)).toBe(
      '[][]',
    )
    expect(compileTemplate('{{ event.properties.tags }} and {{ payload }}')(scope)).toBe(
      '["x"] and {"n":3}',
    )
    expect(compileTemplate('ok={{ event.properties.ok }}')(scope)).toBe('ok=true')
    expect(compileTemplate('{{ 1 }}{{ 2 }}')(scope)).toBe('12')
    expect(compileTemplate('{{ 1 }} ')(scope)).toBe(1)
    expect(compileTemplate('a {{ "}}" }} b')(scope)).toBe('a }} b')
    expect(compileTemplate("{{ 'x' + '{{' }}")(scope)).toBe('x{{')
  })

  it('returns text without parts as it is', () => {
    expect(compileTemplate('no templates')(scope)).toBe('no templates')
    expect(compileTemplate('')(scope)).toBe('')
    expect(compileTemplate('open {{ but never closed')(scope)).toBe('open {{ but never closed')
    expect(compileTemplate('just }} closing')(scope)).toBe('just }} closing')
  })

  it('renders cyclic data as empty text instead of throwing', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(compileTemplate('x{{ payload }}y')({ payload: cyclic })).toBe('xy')
  })

  it('tells whether a text has parts', () => {
    expect(hasTemplate('Hi {{ profile.traits.name }}')).toBe(true)
    expect(hasTemplate('{{x}}')).toBe(true)
    expect(hasTemplate('plain')).toBe(false)
    expect(hasTemplate('{{ open')).toBe(false)
    expect(hasTemplate('}} {{')).toBe(false)
    expect(hasTemplate(5 as unknown as string)).toBe(false)
  })

  it('lists the expressions with where they start', () => {
    expect(templateExpressions('a {{ x }} b {{y}}')).toEqual([
      { source: ' x ', start: 4 },
      { source: 'y', start: 14 },
    ])
    expect(templateExpressions('{{ "}}" }}')).toEqual([{ source: ' "}}" ', start: 2 }])
    expect(templateExpressions('no parts')).toEqual([])
    expect(templateExpressions('{{ unclosed')).toEqual([])
  })

  it.each([
    ['Hello {{ event. }}', 'Hello {{ event. '.length, /end of the expression/],
    ['Hello {{ event.type == }}', 'Hello {{ event.type == '.length, /Expected an expression/],
    ['{{ foo }}', 3, /Unknown name "foo"/],
    ['a {{ 1 }} b {{ event.constructor }}', 21, /"constructor"/],
    ['x {{ }}', 4, /empty/],
    ['x {{ "unclosed }} y', 15, /Unclosed quote/],
    ['{{ x = 1 }} text', 5, /Assignment/],
  ])('reports errors of %j at their position in the whole text', (text, position, reason) => {
    let caught: unknown
    try {
      compileTemplate(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(ExpressionError)
    const error = caught as ExpressionError
    expect(error.position).toBe(position)
    expect(error.expression).toBe(text)
    expect(error.message).toMatch(reason)
    expect(error.message).toMatch(new RegExp(`at position ${position}$`))
  })
})

describe('ExpressionCache', () => {
  it('compiles each expression and template once', () => {
    const cache = new ExpressionCache()
    expect(cache.expression('1 + 1')).toBe(cache.expression('1 + 1'))
    expect(cache.expression('1 + 1')(scope)).toBe(2)
    expect(cache.template('{{ 1 }}')).toBe(cache.template('{{ 1 }}'))
    expect(cache.template('n={{ payload.n }}')(scope)).toBe('n=3')
  })

  it('throws the compile error every time', () => {
    const cache = new ExpressionCache()
    expect(() => cache.expression('event.constructor')).toThrow(ExpressionError)
    expect(() => cache.expression('event.constructor')).toThrow(/at position 6/)
    expect(() => cache.template('{{ nope }}')).toThrow(ExpressionError)
    expect(() => cache.template('{{ nope }}')).toThrow(/at position 3/)
  })

  it('keeps caches apart', () => {
    const a = new ExpressionCache()
    const b = new ExpressionCache()
    expect(a.expression('payload.n')).not.toBe(b.expression('payload.n'))
  })
})
