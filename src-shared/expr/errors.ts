/** A compile error in an expression: names what is wrong and where (0-based offset). */
export class ExpressionError extends Error {
  constructor(
    message: string,
    readonly position: number,
    readonly expression: string,
  ) {
    super(`${message} at position ${position}`)
    this.name = 'ExpressionError'
  }
}

/** Finds where a name appears as a whole word, for errors about names the parser accepted. */
export function positionOf(source: string, word: string, from = 0): number {
  if (!/^[A-Za-z_$][\w$]*$/.test(word)) return Math.max(0, source.indexOf(word, from))
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const match = new RegExp(`(^|[^A-Za-z0-9_$])${escaped}(?![A-Za-z0-9_$])`).exec(source.slice(from))
  return match ? from + match.index + match[1]!.length : 0
}
