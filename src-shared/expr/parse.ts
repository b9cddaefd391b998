/**
 * The parser: jsep, configured for the language's operators, subclassed so every node knows
 * where it starts (errors must name a position) and so forbidden syntax fails where it is
 * written instead of surfacing later as a vague error.
 */
import jsep from 'jsep'
import type { Expression } from 'jsep'
import { ExpressionError } from './errors'

export type Literal = null | boolean | number | string

/** The parsed expression, narrowed to what the compiler accepts. `start` is a 0-based offset. */
export type Ast =
  | { kind: 'literal'; value: Literal; start: number }
  | { kind: 'name'; name: string; start: number }
  | { kind: 'this'; start: number }
  | { kind: 'member'; object: Ast; property: Ast; computed: boolean; start: number }
  | { kind: 'call'; callee: Ast; args: Ast[]; start: number }
  | { kind: 'unary'; operator: string; argument: Ast; start: number }
  | { kind: 'binary'; operator: string; left: Ast; right: Ast; start: number }
  | { kind: 'conditional'; test: Ast; yes: Ast; no: Ast; start: number }
  | { kind: 'array'; items: Ast[]; start: number }

/** The slice of jsep's (untyped) parser class this module builds on. */
interface JsepParser {
  index: number
  readonly expr: string
  readonly code: number
  readonly char: string
  parse(): Expression
  gobbleSpaces(): void
  gobbleExpressions(untilICode?: number): Expression[]
  gobbleExpression(): Expression | false | undefined
  gobbleBinaryOp(): string | false
  gobbleToken(): Expression | false
  gobbleTokenProperty(node: Expression): Expression
  gobbleIdentifier(): Expression
  throwError(message: string): never
}

type JsepClass = (new (expr: string) => JsepParser) & { binary_ops: Record<string, number> }

const Jsep = (jsep as unknown as { Jsep: JsepClass }).Jsep

const SEMICOLON = 59
const COMMA = 44
const OPEN_BRACE = 123
const BACKTICK = 96
const GREATER = 62

/**
 * Operators jsep knows (or is taught, so it can recognise them) that the language refuses.
 * Recognising them lets the error sit on the operator with a useful hint.
 */
const REFUSED_BINARY: Record<string, string> = {
  '===': 'The operator "===" is not supported; use == (it is already strict)',
  '!==': 'The operator "!==" is not supported; use != (it is already strict)',
  '??': 'The operator "??" is not supported; use coalesce(a, b)',
  '**': 'The operator "**" is not supported',
  '|': 'Bitwise operators are not supported (did you mean "||"?)',
  '&': 'Bitwise operators are not supported (did you mean "&&"?)',
  '^': 'Bitwise operators are not supported',
  '<<': 'Bitwise operators are not supported',
  '>>': 'Bitwise operators are not supported',
  '>>>': 'Bitwise operators are not supported',
  '=': 'Assignment is not allowed (use == to compare)',
  '+=': 'Assignment is not allowed',
  '-=': 'Assignment is not allowed',
  '*=': 'Assignment is not allowed',
  '/=': 'Assignment is not allowed',
  '%=': 'Assignment is not allowed',
}

/** JavaScript keywords people may try; named in the error instead of "unknown name". */
export const KEYWORDS: ReadonlySet<string> = new Set([
  'new',
  'typeof',
  'instanceof',
  'void',
  'delete',
  'function',
  'return',
  'var',
  'let',
  'const',
  'class',
  'import',
  'export',
  'await',
  'async',
  'yield',
  'if',
  'else',
  'for',
  'while',
  'do',
  'throw',
  'try',
  'catch',
  'with',
  'debugger',
  'super',
  'undefined',
])

// jsep's configuration is global; this module is its only user, so configure it once here.
// `? :` needs nothing: jsep 1.6 registers its ternary plugin in core.
for (const op of Object.keys(REFUSED_BINARY)) {
  if (!Object.hasOwn(Jsep.binary_ops, op)) jsep.addBinaryOp(op, 1)
}
jsep.addBinaryOp('or', 1)
jsep.addBinaryOp('and', 2)
jsep.addBinaryOp('in', 7)
jsep.addUnaryOp('not')
jsep.removeUnaryOp('~')

type Positioned = Expression & { start?: number }

class Parser extends Jsep {
  /** Start offsets of the tokens being read, innermost last. */
  private readonly tokenStarts: number[] = []

  private fail(reason: string, position: number): never {
    throw new ExpressionError(reason, position, this.expr)
  }

  override gobbleExpressions(untilICode?: number): Expression[] {
    // jsep would accept `a; b`, `a, b` and `a b` as a compound; the language is one expression.
    const nodes: Expression[] = []
    while (this.index < this.expr.length) {
      const code = this.code
      if (code === SEMICOLON) this.fail('Only one expression is allowed (found ";")', this.index)
      if (code === COMMA) this.fail('Only one expression is allowed (found ",")', this.index)
      const node = this.gobbleExpression()
      if (node) {
        if (nodes.length > 0) {
          const at = startOf(node as Positioned)
          const word = nodes.length === 1 ? keywordOf(nodes[0]!) : null
          if (word) this.fail(`The keyword "${word}" is not supported`, startOf(nodes[0]!))
          this.fail('Only one expression is allowed (is an operator missing?)', at)
        }
        nodes.push(node)
      } else if (this.index < this.expr.length) {
        if (code === untilICode) break
        this.throwError(`Unexpected "${this.char}"`)
      }
    }
    return nodes
  }

  override gobbleBinaryOp(): string | false {
    this.gobbleSpaces()
    const at = this.index
    const op = super.gobbleBinaryOp()
    if (op && Object.hasOwn(REFUSED_BINARY, op)) {
      if (op === '=' && this.code === GREATER) this.fail('Arrow functions are not supported', at)
      this.fail(REFUSED_BINARY[op]!, at)
    }
    return op
  }

  override gobbleToken(): Expression | false {
    this.gobbleSpaces()
    const start = this.index
    const code = this.code
    if (code === OPEN_BRACE) this.fail('Object literals are not supported', start)
    if (code === BACKTICK) {
      this.fail('Backtick strings are not supported; use quotes and + (or a {{ }} template)', start)
    }
    this.tokenStarts.push(start)
    const node = super.gobbleToken() as Positioned | false
    this.tokenStarts.pop()
    if (node && node.start === undefined) node.start = start
    return node
  }

  override gobbleTokenProperty(node: Expression): Expression {
    // The first node of a token (name, literal, array, group) passes here before any `.x`/`[x]`/`()`.
    const positioned = node as Positioned
    if (positioned.start === undefined)
      positioned.start = this.tokenStarts[this.tokenStarts.length - 1]
    return super.gobbleTokenProperty(node)
  }

  override gobbleIdentifier(): Expression {
    const start = this.index
    const node = super.gobbleIdentifier() as Positioned
    node.start = start
    return node
  }
}

function keywordOf(node: Expression): string | null {
  return node.type === 'Identifier' && typeof node.name === 'string' && KEYWORDS.has(node.name)
    ? node.name
    : null
}

function startOf(node: Positioned): number {
  if (typeof node.start === 'number') return node.start
  const first = node.object ?? node.callee ?? node.left ?? node.test
  return first && typeof first === 'object' && !Array.isArray(first) && !(first instanceof RegExp)
    ? startOf(first as Positioned)
    : 0
}

function child(node: Expression, key: string): Expression {
  return node[key] as Expression
}

function toAst(node: Expression, source: string): Ast {
  const start = startOf(node)
  switch (node.type) {
    case 'Literal': {
      const value = node.value
      if (value === null || typeof value === 'boolean' || typeof value === 'string') {
        return { kind: 'literal', value, start }
      }
      if (typeof value === 'number') return { kind: 'literal', value, start }
      break
    }
    case 'Identifier':
      return { kind: 'name', name: node.name as string, start }
    case 'ThisExpression':
      return { kind: 'this', start }
    case 'MemberExpression':
      return {
        kind: 'member',
        object: toAst(child(node, 'object'), source),
        property: toAst(child(node, 'property'), source),
        computed: node.computed === true,
        start,
      }
    case 'CallExpression':
      return {
        kind: 'call',
        callee: toAst(child(node, 'callee'), source),
        args: (node.arguments as Expression[]).map((arg) => toAst(arg, source)),
        start,
      }
    case 'UnaryExpression':
      return {
        kind: 'unary',
        operator: node.operator as string,
        argument: toAst(child(node, 'argument'), source),
        start,
      }
    case 'BinaryExpression':
      return liftNot({
        kind: 'binary',
        operator: node.operator as string,
        left: toAst(child(node, 'left'), source),
        right: toAst(child(node, 'right'), source),
        start,
      })
    case 'ConditionalExpression':
      return {
        kind: 'conditional',
        test: toAst(child(node, 'test'), source),
        yes: toAst(child(node, 'consequent'), source),
        no: toAst(child(node, 'alternate'), source),
        start,
      }
    case 'ArrayExpression':
      return {
        kind: 'array',
        // A hole (`[1, , 2]`) reads as null, like a missing path.
        items: (node.elements as (Expression | null)[]).map((item) =>
          item ? toAst(item, source) : { kind: 'literal', value: null, start },
        ),
        start,
      }
  }
  throw new ExpressionError('This syntax is not supported', start, source)
}

const LOOSER_THAN_NOT = new Set(['&&', '||', 'and', 'or'])

/**
 * jsep binds every prefix operator tightest, so `not 'vip' in profile.segments` would mean
 * `(not 'vip') in …`, always false. The word `not` reads as English (and as in Python): it
 * negates the whole comparison, binding looser than comparisons but tighter than and/or.
 * The symbol `!` keeps its JavaScript precedence.
 */
function liftNot(node: Ast): Ast {
  if (node.kind !== 'binary' || LOOSER_THAN_NOT.has(node.operator)) return node
  const left = node.left
  if (left.kind !== 'unary' || left.operator !== 'not') return node
  return {
    kind: 'unary',
    operator: 'not',
    argument: liftNot({ ...node, left: left.argument, start: left.argument.start }),
    start: left.start,
  }
}

function positionedJsepError(error: unknown, source: string): ExpressionError {
  if (error instanceof ExpressionError) return error
  if (error instanceof RangeError) {
    return new ExpressionError('The expression is nested too deeply', 0, source)
  }
  const e = error as { index?: unknown; description?: unknown; message?: unknown }
  const position = typeof e.index === 'number' ? Math.min(e.index, source.length) : 0
  let reason = String(e.description ?? e.message ?? 'Syntax error')
  if (/^Unexpected\s*(""|)$/.test(reason)) reason = 'Unexpected end of the expression'
  else if (reason === 'missing unaryOp argument')
    reason = 'Expected an expression after the operator'
  else if (reason.startsWith('Expected expression after ')) {
    reason = `Expected an expression after "${reason.slice('Expected expression after '.length)}"`
  } else if (reason === 'Expected exponent ()') reason = 'Expected an exponent'
  else if (reason === 'Expected comma') reason = 'Expected "," or the end of the list'
  return new ExpressionError(reason, position, source)
}

/** Parses one expression; throws ExpressionError naming the position of the problem. */
export function parse(source: string): Ast {
  if (typeof source !== 'string') throw new ExpressionError('An expression must be text', 0, '')
  if (source.trim() === '') throw new ExpressionError('The expression is empty', 0, source)
  let root: Expression
  try {
    root = new Parser(source).parse()
  } catch (error) {
    throw positionedJsepError(error, source)
  }
  if (root.type === 'Compound') {
    // Only `()` and the like get here: the parser refuses more than one expression.
    throw new ExpressionError('The expression is empty', 0, source)
  }
  try {
    return toAst(root, source)
  } catch (error) {
    throw positionedJsepError(error, source)
  }
}
