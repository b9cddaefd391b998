/** The expression language: conditions, `{{ }}` templates and `source@path` references. */
import { compileExpression } from './compile'
import type { Evaluator } from './scope'
import type { TemplateRenderer } from './template'
import { compileTemplate } from './template'

export { checkExpression, compileExpression } from './compile'
export { ExpressionError } from './errors'
export { EXPRESSION_FUNCTIONS } from './functions'
export {
  deletePath,
  formatRef,
  isRef,
  parseRef,
  READ_ONLY_SOURCES,
  readPath,
  REF_MEMO,
  writePath,
} from './refs'
export type { Ref, RefMemo, RefSource } from './refs'
export { ENVIRONMENT_NAMES, EXPRESSION_NAMES, STATE_NAMES } from './scope'
export type { Evaluator, Scope } from './scope'
export { compileTemplate, hasTemplate, templateExpressions } from './template'
export type { TemplateRenderer } from './template'

/**
 * Compiles each expression and template once per flow load. A source that fails to compile
 * fails the same way every time without being compiled again.
 */
export class ExpressionCache {
  private readonly expressions = new Map<string, Evaluator | Error>()
  private readonly templates = new Map<string, TemplateRenderer | Error>()

  expression(source: string): Evaluator {
    let entry = this.expressions.get(source)
    if (entry === undefined) {
      entry = compileOrError(() => compileExpression(source))
      this.expressions.set(source, entry)
    }
    // A compiled entry is a function: cheaper to ask than walking Error's prototype chain.
    if (typeof entry !== 'function') throw entry
    return entry
  }

  template(text: string): TemplateRenderer {
    let entry = this.templates.get(text)
    if (entry === undefined) {
      entry = compileOrError(() => compileTemplate(text))
      this.templates.set(text, entry)
    }
    // A compiled entry is a function: cheaper to ask than walking Error's prototype chain.
    if (typeof entry !== 'function') throw entry
    return entry
  }
}

function compileOrError<T>(compile: () => T): T | Error {
  try {
    return compile()
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error))
  }
}
