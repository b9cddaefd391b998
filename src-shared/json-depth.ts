/**
 * How deeply JSON text nests, measured on the text before it is parsed. JSON.parse itself copes
 * with a 100,000-deep document, but everything that walks the value afterwards (structuredClone,
 * JSON.stringify, schema checks, the engine's diffs) recurses and overflows the stack long before
 * that. Refusing such input where it enters — HTTP bodies, event and flow files — keeps that a
 * clear "bad input" instead of a crash deep inside a run.
 */

/** Far deeper than any real event, flow or API argument, far shallower than any stack limit. */
export const MAX_JSON_DEPTH = 256

/**
 * The first place where `text` opens more than `limit` nested arrays/objects, or null when it
 * stays within the limit. A linear scan that skips strings; it does not validate the JSON.
 */
export function findExcessiveNesting(
  text: string,
  limit = MAX_JSON_DEPTH,
): { offset: number; limit: number } | null {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c)
        i++ // backslash: the next character is escaped
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return { offset: i, limit }
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return null
}

/** The one-line reason shown to a user, or null when the text is shallow enough. */
export function nestingProblem(text: string, limit = MAX_JSON_DEPTH): string | null {
  const found = findExcessiveNesting(text, limit)
  return found
    ? `JSON nested deeper than ${found.limit} levels (at character ${found.offset + 1})`
    : null
}
