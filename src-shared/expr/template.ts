/** `{{ expression }}` templates inside strings. */
import { compileExpression } from './compile'
import { ExpressionError, reasonOf } from './errors'
import type { Evaluator, Scope } from './scope'
import { toText } from './values'

export type TemplateRenderer = (scope: Scope) => unknown

export interface TemplatePart {
  /** The expression text between the braces, untrimmed. */
  source: string
  /** Where `source` starts in the template text (just after `{{`). */
  start: number
}

/** Whether the text has at least one `{{ … }}` part; `{{` with no `}}` after it is plain text. */
export function hasTemplate(text: string): boolean {
  if (typeof text !== 'string') return false
  const open = text.indexOf('{{')
  return open >= 0 && text.indexOf('}}', open + 2) >= 0
}

/** Where the part opened at `open` closes: the first `}}` outside a quoted string. */
function closeOf(text: string, open: number): number {
  let quote = ''
  for (let i = open + 2; i < text.length; i++) {
    const ch = text[i]
    if (quote) {
      if (ch === '\\') i++
      else if (ch === quote) quote = ''
    } else if (ch === '"' || ch === "'") {
      quote = ch
    } else if (ch === '}' && text[i + 1] === '}') {
      return i
    }
  }
  // An unclosed quote: end at the first `}}` so the expression reports the quote.
  return text.indexOf('}}', open + 2)
}

/** The expressions inside a template, with where each starts in the text (for design-time checks). */
export function templateExpressions(text: string): TemplatePart[] {
  const parts: TemplatePart[] = []
  if (typeof text !== 'string') return parts
  let from = 0
  for (;;) {
    const open = text.indexOf('{{', from)
    if (open < 0) break
    const close = closeOf(text, open)
    if (close < 0) break
    parts.push({ source: text.slice(open + 2, close), start: open + 2 })
    from = close + 2
  }
  return parts
}

function compilePart(text: string, part: TemplatePart): Evaluator {
  try {
    return compileExpression(part.source)
  } catch (error) {
    if (error instanceof ExpressionError) {
      throw new ExpressionError(reasonOf(error), part.start + error.position, text)
    }
    throw error
  }
}

/**
 * Compiles a template once. A text that is exactly one `{{ expr }}` (spaces around allowed)
 * renders the raw value, keeping its type; otherwise the parts are joined into a string.
 */
export function compileTemplate(text: string): TemplateRenderer {
  if (typeof text !== 'string') {
    throw new ExpressionError('A template must be text', 0, '')
  }
  const parts = templateExpressions(text)
  if (parts.length === 0) return () => text
  const ends = parts.map((part) => part.start + part.source.length + 2)
  const evaluators = parts.map((part) => compilePart(text, part))
  const first = parts[0]!
  if (
    parts.length === 1 &&
    text.slice(0, first.start - 2).trim() === '' &&
    text.slice(ends[0]).trim() === ''
  ) {
    return evaluators[0]!
  }
  const texts: string[] = [text.slice(0, first.start - 2)]
  for (let i = 1; i < parts.length; i++) texts.push(text.slice(ends[i - 1], parts[i]!.start - 2))
  texts.push(text.slice(ends[ends.length - 1]))
  if (parts.length === 1) {
    const [before, after] = texts as [string, string]
    const evaluate = evaluators[0]!
    return (scope) => before + toText(evaluate(scope)) + after
  }
  return (scope) => {
    let out = texts[0]!
    for (let i = 0; i < evaluators.length; i++) {
      out += toText(evaluators[i]!(scope)) + texts[i + 1]!
    }
    return out
  }
}
