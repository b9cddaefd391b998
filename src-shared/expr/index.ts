/** The expression language: conditions, `{{ }}` templates and `source@path` references (design §3). */
import type { Evaluator } from './compile'
import { compileExpression } from './compile'
import type { TemplateRenderer } from './template'
import { compileTemplate } from './template'

export { checkExpression, compileExpression, STATE_NAMES } from './compile'
export type { Evaluator, Scope, StateName } from './compile'
export { ExpressionError } from './errors'
export { EXPRESSION_FUNCTIONS } from './functions'
export type { FunctionInfo } from './functions'
export { deletePath, formatRef, isRef, parseRef, readPath, writePath } from './refs'
export type { Ref, RefSource } from './refs'
export { compileTemplate, hasTemplate, templateExpressions } from './template'
export type { TemplateRenderer } from './template'

/** Compiles each expression and template once per flow load. */
export class ExpressionCache {
  private readonly expressions = new Map<string, Evaluator>()
  private readonly templates = new Map<string, TemplateRenderer>()

  expression(source: string): Evaluator {
    let evaluator = this.expressions.get(source)
    if (!evaluator) {
      evaluator = compileExpression(source)
      this.expressions.set(source, evaluator)
    }
    return evaluator
  }

  template(text: string): TemplateRenderer {
    let renderer = this.templates.get(text)
    if (!renderer) {
      renderer = compileTemplate(text)
      this.templates.set(text, renderer)
    }
    return renderer
  }
}
