/** `{{ expression }}` templates inside strings. */
import type { Evaluator, Scope } from './compile'
import { compileExpression } from './compile'
import { ExpressionError } from './errors'
import { toText } from './values'

export type TemplateRenderer = (scope: Scope) => unknown

export function hasTemplate(text: string): boolean {
  return typeof text === 'string' && text.includes('{{') && text.indexOf('}}', text.indexOf('{{') + 2) >= 0
}

/** The expressions inside a template, with where each starts in the text. */
export function templateExpressions(text: string): { source: string; start: number }[] {
  const parts: { source: string; start: number }[] = []
  let from = 0
  for (;;) {
    const open = text.indexOf('{{', from)
    if (open < 0) break
    const close = text.indexOf('}}', open + 2)
    if (close < 0) break
    parts.push({ source: text.slice(open + 2, close), start: open + 2 })
    from = close + 2
  }
  return parts
}

function compilePart(text: string, source: string, start: number): Evaluator {
  try {
    return compileExpression(source)
  } catch (error) {
    if (error instanceof ExpressionError) {
      const reason = error.message.replace(/ at position \d+$/, '')
      throw new ExpressionError(reason, start + error.position, text)
    }
    throw error
  }
}

export function compileTemplate(text: string): TemplateRenderer {
  const parts = templateExpressions(text)
  if (parts.length === 0) return () => text
  const first = parts[0]!
  // A string that is one whole `{{ expr }}` keeps the value's type (a number stays a number).
  if (parts.length === 1 && text.slice(0, first.start - 2).trim() === '' && text.slice(first.start + first.source.length + 2).trim() === '') {
    const evaluate = compilePart(text, first.source, first.start)
    return (scope) => evaluate(scope)
  }
  const pieces: (string | Evaluator)[] = []
  let from = 0
  for (const part of parts) {
    pieces.push(text.slice(from, part.start - 2))
    pieces.push(compilePart(text, part.source, part.start))
    from = part.start + part.source.length + 2
  }
  pieces.push(text.slice(from))
  return (scope) => {
    let out = ''
    for (const piece of pieces) out += typeof piece === 'string' ? piece : toText(piece(scope))
    return out
  }
}
