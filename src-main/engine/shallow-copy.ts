/**
 * One-level copies of plain objects by their key list. V8 (11, Node 20) copies an object spread
 * `{ ...source }` through its generic path, ~100 ns for a profile's seven keys, where an object
 * literal naming the same keys costs ~20: so each call site keeps a copier compiled for each of
 * the few key lists it meets (a stored profile, its `traits`) and uses it while the keys match.
 * The copy is what the spread gives for a JSON document: the own enumerable string keys in
 * order, their values read the same way (symbol keys, which JSON has none of and cloneJson
 * drops, are not copied).
 */

type Copier = (source: Record<string, unknown>) => Record<string, unknown>

/** Key lists a call site compiles copiers for; past it, new lists are copied by a spread. */
const SHAPES = 8
/** Objects with more keys are copied by a spread: no copier is compiled for them. */
const MAX_KEYS = 32

export class ShapeCopier {
  private readonly shapes: (readonly string[])[] = []
  private readonly copiers: Copier[] = []
  private hits = 0
  private misses = 0

  copy(source: Record<string, unknown>): Record<string, unknown> {
    // A site whose objects rarely share a key list (traits differ from user to user) spreads.
    if (this.misses > 64 && this.misses > this.hits) return { ...source }
    const keys = Object.keys(source)
    const shapes = this.shapes
    search: for (let s = 0; s < shapes.length; s++) {
      const shape = shapes[s]!
      if (shape.length !== keys.length) continue
      for (let i = 0; i < keys.length; i++) if (shape[i] !== keys[i]) continue search
      this.hits++
      return this.copiers[s]!(source)
    }
    this.misses++
    if (shapes.length >= SHAPES || keys.length > MAX_KEYS || keys.includes('__proto__'))
      return { ...source }
    const copier = compileCopier(keys)
    shapes.push(keys)
    this.copiers.push(copier)
    return copier(source)
  }
}

function compileCopier(keys: readonly string[]): Copier {
  // Keys enter the code only as JSON string literals, so no key can be read as code; `__proto__`
  // (which a literal would take for the prototype) never gets here.
  const entries = keys.map((key) => `${JSON.stringify(key)}: source[${JSON.stringify(key)}]`)
  return new Function('source', `return { ${entries.join(', ')} }`) as Copier
}
