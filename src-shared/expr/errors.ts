/** A compile error in an expression or template: what is wrong and where (0-based offset). */
export class ExpressionError extends Error {
  readonly position: number
  readonly expression: string

  constructor(reason: string, position: number, expression: string) {
    super(`${reason} at position ${position}`)
    this.name = 'ExpressionError'
    this.position = position
    this.expression = expression
  }
}

const POSITION_SUFFIX = / at position \d+$/

/** The message without its position, for re-anchoring an error inside a larger text. */
export function reasonOf(error: ExpressionError): string {
  return error.message.replace(POSITION_SUFFIX, '')
}
