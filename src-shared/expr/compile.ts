/**
 * Compiles a parsed expression into a tree of closures, once. No eval or `new Function`: the
 * renderer's CSP forbids them. Closures stay fast when the common shapes get their own
 * closure (fixed member chains, comparisons with a constant) and constants are folded.
 */
import { ExpressionError } from './errors'
import { functionNamed, FUNCTIONS } from './functions'
import type { Ast } from './parse'
import { KEYWORDS, parse } from './parse'
import type { Evaluator, ExpressionName, Scope } from './scope'
import { EXPRESSION_NAMES, isExpressionName } from './scope'
import {
  compare,
  contains,
  data,
  deepEqual,
  finite,
  isForbiddenKey,
  isNumericString,
  member,
  step,
  toNumber,
  toText,
} from './values'

interface Compiled {
  run: Evaluator
  /** Set when the value is known at compile time. */
  constant?: { value: unknown }
}

type Node<K extends Ast['kind']> = Extract<Ast, { kind: K }>

const EMPTY_SCOPE: Scope = Object.freeze({})

/** Raw reads of each state root; one closure per name keeps the property access monomorphic. */
const ROOTS: Record<ExpressionName, Evaluator> = {
  event: (s) => s.event,
  profile: (s) => s.profile,
  session: (s) => s.session,
  flow: (s) => s.flow,
  node: (s) => s.node,
  nodes: (s) => s.nodes,
  payload: (s) => s.payload,
  secrets: (s) => s.secrets,
  vars: (s) => s.vars,
}

function isPrimitive(value: unknown): value is null | boolean | number | string {
  return (
    value === null ||
    typeof value === 'boolean' ||
    typeof value === 'number' ||
    typeof value === 'string'
  )
}

function constant(value: unknown): Compiled {
  return { run: () => value, constant: { value } }
}

/** Evaluates a subtree that reads no state once; only primitives are shared between runs. */
function fold(run: Evaluator, allConstant: boolean): Compiled {
  if (!allConstant) return { run }
  const value = run(EMPTY_SCOPE)
  return isPrimitive(value) ? constant(value) : { run }
}

function constantNumber(c: Compiled): number | null {
  return c.constant && typeof c.constant.value === 'number' ? c.constant.value : null
}

/** Walks a fixed path from a value, as `step` after `step` does. */
export type PathWalker = (value: unknown) => unknown

let pathCompiler: ((keys: readonly string[]) => PathWalker) | null = null

/**
 * Lets a runtime that may generate code (the engine, in Node) give each fixed path a walker of
 * its own, with the keys written into the code: one `[key]` inside `step` otherwise serves
 * every path of every expression. The renderer, whose policy forbids generated code, never
 * sets one. A walker must give exactly what the chain of `step` calls gives.
 */
export function setPathCompiler(compiler: ((keys: readonly string[]) => PathWalker) | null): void {
  pathCompiler = compiler
}

/** Walks are compiled once a path has been evaluated this often: validating a flow compiles none. */
const COMPILE_AFTER = 2

/** Walks fixed keys from a base; unrolled for the usual depths so each step can be inlined. */
function chain(base: Evaluator, keys: readonly string[]): Evaluator {
  const walk = stepChain(base, keys)
  const compiler = pathCompiler
  if (!compiler || keys.length === 0) return walk
  let compiled: PathWalker | null = null
  let calls = 0
  return (s) => {
    if (compiled) return compiled(base(s))
    if (++calls >= COMPILE_AFTER) compiled = compiler(keys)
    return walk(s)
  }
}

function stepChain(base: Evaluator, keys: readonly string[]): Evaluator {
  const [a, b, c, d] = keys as [string, string, string, string]
  switch (keys.length) {
    case 0:
      return (s) => data(base(s))
    case 1:
      return (s) => step(base(s), a)
    case 2:
      return (s) => step(step(base(s), a), b)
    case 3:
      return (s) => step(step(step(base(s), a), b), c)
    case 4:
      return (s) => step(step(step(step(base(s), a), b), c), d)
    default:
      return (s) => {
        let value = base(s)
        for (let i = 0; i < keys.length; i++) {
          value = step(value, keys[i]!)
          if (value === null) return null
        }
        return value
      }
  }
}

function compareSlow(op: string, a: unknown, b: unknown): boolean {
  const c = compare(a, b)
  if (c === null) return false
  switch (op) {
    case '<':
      return c < 0
    case '<=':
      return c <= 0
    case '>':
      return c > 0
    default:
      return c >= 0
  }
}

/** `value OP n` for a constant number n: the common `event.properties.total > 100`. */
function compareWithNumber(op: string, value: Evaluator, n: number): Evaluator {
  const numeric = (v: unknown): number | null =>
    typeof v === 'string' && isNumericString(v) ? Number(v) : null
  switch (op) {
    case '<':
      return (s) => {
        const v = value(s)
        if (typeof v === 'number') return v < n
        const x = numeric(v)
        return x !== null && x < n
      }
    case '<=':
      return (s) => {
        const v = value(s)
        if (typeof v === 'number') return v <= n
        const x = numeric(v)
        return x !== null && x <= n
      }
    case '>':
      return (s) => {
        const v = value(s)
        if (typeof v === 'number') return v > n
        const x = numeric(v)
        return x !== null && x > n
      }
    default:
      return (s) => {
        const v = value(s)
        if (typeof v === 'number') return v >= n
        const x = numeric(v)
        return x !== null && x >= n
      }
  }
}

const MIRRORED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' }

function comparison(op: string, left: Compiled, right: Compiled): Evaluator {
  const rn = constantNumber(right)
  if (rn !== null) return compareWithNumber(op, left.run, rn)
  const ln = constantNumber(left)
  if (ln !== null) return compareWithNumber(MIRRORED[op]!, right.run, ln)
  const l = left.run
  const r = right.run
  switch (op) {
    case '<':
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? a < b : compareSlow(op, a, b)
      }
    case '<=':
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? a <= b : compareSlow(op, a, b)
      }
    case '>':
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? a > b : compareSlow(op, a, b)
      }
    default:
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? a >= b : compareSlow(op, a, b)
      }
  }
}

function equality(left: Compiled, right: Compiled, negate: boolean): Evaluator {
  // Against a constant primitive, deep equality is plain ===; null also matches undefined.
  const known = right.constant && isPrimitive(right.constant.value) ? right : left
  const other = known === right ? left : right
  if (known.constant && isPrimitive(known.constant.value)) {
    const c = known.constant.value
    const value = other.run
    if (c === null) {
      return negate
        ? (s) => {
            const v = value(s)
            return v !== null && v !== undefined
          }
        : (s) => {
            const v = value(s)
            return v === null || v === undefined
          }
    }
    return negate ? (s) => value(s) !== c : (s) => value(s) === c
  }
  const l = left.run
  const r = right.run
  return negate
    ? (s) => {
        const a = l(s)
        const b = r(s)
        return a !== b && !deepEqual(a, b)
      }
    : (s) => {
        const a = l(s)
        const b = r(s)
        return a === b || deepEqual(a, b)
      }
}

function plus(l: Evaluator, r: Evaluator): Evaluator {
  return (s) => {
    const a = l(s)
    const b = r(s)
    if (typeof a === 'number' && typeof b === 'number') return finite(a + b)
    if (typeof a === 'string' || typeof b === 'string') return toText(a) + toText(b)
    const x = toNumber(a)
    const y = toNumber(b)
    return x === null || y === null ? null : finite(x + y)
  }
}

function arithmetic(op: string, l: Evaluator, r: Evaluator): Evaluator {
  const apply = (x: number, y: number): number | null => {
    switch (op) {
      case '-':
        return finite(x - y)
      case '*':
        return finite(x * y)
      case '/':
        return y === 0 ? null : finite(x / y)
      default:
        return y === 0 ? null : finite(x % y)
    }
  }
  const numbers = (a: unknown, b: unknown): number | null => {
    const x = toNumber(a)
    const y = toNumber(b)
    return x === null || y === null ? null : apply(x, y)
  }
  switch (op) {
    case '-':
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? finite(a - b) : numbers(a, b)
      }
    case '*':
      return (s) => {
        const a = l(s)
        const b = r(s)
        return typeof a === 'number' && typeof b === 'number' ? finite(a * b) : numbers(a, b)
      }
    default:
      return (s) => numbers(l(s), r(s))
  }
}

function membership(left: Compiled, right: Compiled): Evaluator {
  const needle = left.run
  const list = right.constant?.value
  if (Array.isArray(list) && list.every(isPrimitive)) {
    // `x in ['a', 'b']`: a set lookup; an object or list needle never equals a primitive.
    const set = new Set<unknown>(list)
    return (s) => {
      const v = needle(s)
      return typeof v === 'object' ? v === null && set.has(null) : set.has(v)
    }
  }
  const haystack = right.run
  return (s) => {
    const v = needle(s)
    return contains(haystack(s), v)
  }
}

class Compiler {
  constructor(private readonly source: string) {}

  fail(reason: string, position: number): never {
    throw new ExpressionError(reason, position, this.source)
  }

  compile(node: Ast): Compiled {
    switch (node.kind) {
      case 'literal':
        return constant(node.value)
      case 'name':
        return { run: chain(this.root(node), []) }
      case 'this':
        return this.fail('"this" is not available in expressions', node.start)
      case 'member':
        return this.member(node)
      case 'call':
        return this.call(node)
      case 'unary':
        return this.unary(node)
      case 'binary':
        return this.binary(node)
      case 'conditional':
        return this.conditional(node)
      case 'array':
        return this.array(node)
    }
  }

  private root(node: Node<'name'>): Evaluator {
    const name = node.name
    if (isExpressionName(name)) return ROOTS[name]
    if (functionNamed(name)) this.fail(`"${name}" is a function; call it as ${name}(…)`, node.start)
    this.failName(name, node.start)
  }

  private failName(name: string, position: number): never {
    if (name === 'undefined') this.fail('"undefined" is not available; use null', position)
    if (KEYWORDS.has(name)) this.fail(`The keyword "${name}" is not supported`, position)
    this.fail(`Unknown name "${name}"; expressions read ${EXPRESSION_NAMES.join(', ')}`, position)
  }

  /** The key of `x.key` or `x['key']` when fixed at compile time; null when computed. */
  private staticKey(node: Node<'member'>): string | null {
    const property = node.property
    let key: string
    if (!node.computed && property.kind === 'name') {
      key = property.name
    } else {
      const value = this.compile(property).constant?.value
      if (typeof value === 'string') key = value
      else if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
        key = String(value)
      } else return null
    }
    if (isForbiddenKey(key)) this.fail(`Access to "${key}" is not allowed`, property.start)
    return key
  }

  private member(node: Node<'member'>): Compiled {
    const keys: string[] = []
    let current: Ast = node
    while (current.kind === 'member') {
      const key = this.staticKey(current)
      if (key === null) break
      keys.push(key)
      current = current.object
    }
    keys.reverse()
    let base: Evaluator
    let baseConstant = false
    if (current.kind === 'name') {
      base = this.root(current)
    } else if (current.kind === 'member') {
      const object = this.compile(current.object)
      const property = this.compile(current.property)
      const o = object.run
      const p = property.run
      base = (s) => member(o(s), p(s))
      baseConstant = !!object.constant && !!property.constant
      // member() already hands out data only, so no wrapper is needed without further keys.
      if (keys.length === 0) return fold(base, baseConstant)
    } else {
      const compiled = this.compile(current)
      base = compiled.run
      baseConstant = !!compiled.constant
    }
    return fold(chain(base, keys), baseConstant)
  }

  private call(node: Node<'call'>): Compiled {
    const callee = node.callee
    if (callee.kind !== 'name') {
      const at = callee.kind === 'member' ? callee.property.start : callee.start
      return this.fail('Only the built-in functions can be called, by name (like len(x))', at)
    }
    const name = callee.name
    const def = functionNamed(name)
    if (!def) {
      if (isExpressionName(name)) this.fail(`"${name}" is not a function`, callee.start)
      if (KEYWORDS.has(name)) this.failName(name, callee.start)
      this.fail(
        `Unknown function "${name}"; available: ${Object.keys(FUNCTIONS).join(', ')}`,
        callee.start,
      )
    }
    const count = node.args.length
    if (count < def.minArgs || count > def.maxArgs) {
      const expected =
        def.minArgs === def.maxArgs
          ? `${def.minArgs} argument${def.minArgs === 1 ? '' : 's'}`
          : def.maxArgs === Number.POSITIVE_INFINITY
            ? `at least ${def.minArgs} argument${def.minArgs === 1 ? '' : 's'}`
            : `${def.minArgs} to ${def.maxArgs} arguments`
      this.fail(`${name} takes ${expected}: ${def.signature}`, callee.start)
    }
    const args = node.args.map((arg) => this.compile(arg))
    const fn = def.fn
    const [a, b, c] = args.map((arg) => arg.run) as [Evaluator, Evaluator, Evaluator]
    let run: Evaluator
    switch (count) {
      case 0:
        run = () => fn()
        break
      case 1:
        run = (s) => fn(a(s))
        break
      case 2:
        run = (s) => fn(a(s), b(s))
        break
      case 3:
        run = (s) => fn(a(s), b(s), c(s))
        break
      default: {
        const runs = args.map((arg) => arg.run)
        run = (s) => fn(...runs.map((r) => r(s)))
      }
    }
    return fold(run, def.pure && args.every((arg) => !!arg.constant))
  }

  private unary(node: Node<'unary'>): Compiled {
    const argument = this.compile(node.argument)
    const v = argument.run
    let run: Evaluator
    switch (node.operator) {
      case '!':
      case 'not':
        run = (s) => !v(s)
        break
      case '-':
        run = (s) => {
          const n = toNumber(v(s))
          // 0 - n, not -n: no -0 to leak into results.
          return n === null ? null : 0 - n
        }
        break
      case '+':
        run = (s) => toNumber(v(s))
        break
      default:
        return this.fail(`The operator "${node.operator}" is not supported`, node.start)
    }
    return fold(run, !!argument.constant)
  }

  private binary(node: Node<'binary'>): Compiled {
    const op = node.operator
    const left = this.compile(node.left)
    const right = this.compile(node.right)
    const l = left.run
    const r = right.run
    let run: Evaluator
    switch (op) {
      case '&&':
      case 'and':
        if (left.constant) return left.constant.value ? right : left
        run = (s) => {
          const v = l(s)
          return v ? r(s) : v
        }
        break
      case '||':
      case 'or':
        if (left.constant) return left.constant.value ? left : right
        run = (s) => {
          const v = l(s)
          return v ? v : r(s)
        }
        break
      case '==':
        run = equality(left, right, false)
        break
      case '!=':
        run = equality(left, right, true)
        break
      case '<':
      case '<=':
      case '>':
      case '>=':
        run = comparison(op, left, right)
        break
      case '+':
        run = plus(l, r)
        break
      case '-':
      case '*':
      case '/':
      case '%':
        run = arithmetic(op, l, r)
        break
      case 'in':
        run = membership(left, right)
        break
      default:
        return this.fail(`The operator "${op}" is not supported`, node.start)
    }
    return fold(run, !!left.constant && !!right.constant)
  }

  private conditional(node: Node<'conditional'>): Compiled {
    const test = this.compile(node.test)
    const yes = this.compile(node.yes)
    const no = this.compile(node.no)
    if (test.constant) return test.constant.value ? yes : no
    const t = test.run
    const y = yes.run
    const n = no.run
    return { run: (s) => (t(s) ? y(s) : n(s)) }
  }

  private array(node: Node<'array'>): Compiled {
    const items = node.items.map((item) => this.compile(item))
    const runs = items.map((item) => item.run)
    // A fresh list every run: callers may store or change the result.
    const run: Evaluator = (s) => {
      const out = new Array<unknown>(runs.length)
      for (let i = 0; i < runs.length; i++) out[i] = runs[i]!(s)
      return out
    }
    if (!items.every((item) => !!item.constant)) return { run }
    // Known lists are kept as a value too, for `x in ['a', 'b']`.
    return { run, constant: { value: run(EMPTY_SCOPE) } }
  }
}

/** Compiles an expression once into a fast evaluator; throws ExpressionError. */
export function compileExpression(source: string): Evaluator {
  const ast = parse(source)
  try {
    return new Compiler(source).compile(ast).run
  } catch (error) {
    if (error instanceof ExpressionError) throw error
    // Only a pathological input gets here (nesting deep enough to exhaust the stack).
    throw new ExpressionError('The expression is too complex', 0, source)
  }
}

/** The compile error of an expression, or null when it is valid. */
export function checkExpression(source: string): ExpressionError | null {
  // The validator checks every expression of a flow on each edit; most have not changed.
  const known = checked.get(source)
  if (known !== undefined) return known
  let answer: ExpressionError | null = null
  try {
    compileExpression(source)
  } catch (error) {
    answer =
      error instanceof ExpressionError
        ? error
        : new ExpressionError(error instanceof Error ? error.message : String(error), 0, source)
  }
  if (checked.size >= MAX_CHECKED) checked.clear()
  checked.set(source, answer)
  return answer
}

const checked = new Map<string, ExpressionError | null>()
const MAX_CHECKED = 5000
