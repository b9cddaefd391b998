/** The parser: jsep, configured once for the operators the language allows and no others. */
import jsep from 'jsep'
import type { Expression } from 'jsep'
import { ExpressionError } from './errors'

let configured = false

function configure(): void {
  if (configured) return
  configured = true
  // Bitwise operators are not part of the language; removing them makes them syntax errors.
  for (const op of ['|', '^', '&', '<<', '>>', '>>>']) jsep.removeBinaryOp(op)
  jsep.removeUnaryOp('~')
  jsep.addBinaryOp('or', 1)
  jsep.addBinaryOp('and', 2)
  jsep.addBinaryOp('in', 7)
  jsep.addUnaryOp('not')
}

export function parse(source: string): Expression {
  configure()
  if (source.trim() === '') throw new ExpressionError('The expression is empty', 0, source)
  try {
    return jsep(source)
  } catch (error) {
    const e = error as Error & { index?: number; description?: string }
    let reason = (e.description ?? e.message).replace(/ at character \d+$/, '')
    if (/^Unexpected\s*$/.test(reason) || reason === '') reason = 'Unexpected end of the expression'
    throw new ExpressionError(reason, e.index ?? 0, source)
  }
}
