/**
 * Compiles a parsed expression into a tree of closures, once. No eval: the renderer's CSP
 * forbids it, and closures are fast enough (millions of evaluations a second).
 */
import type { Expression } from 'jsep'
import { ExpressionError, positionOf } from './errors'
import { FUNCTIONS } from './functions'
import { parse } from './parse'
import { compare, deepEqual, finite, isForbiddenKey, isPlainObject, member, toNumber } from './values'

export const STATE_NAMES = ['event', 'profile', 'session', 'flow', 'node', 'nodes', 'payload'] as const
export type StateName = (typeof STATE_NAMES)[number]

export type Scope = {
  event?: unknown
  profile?: unknown
  session?: unknown
  flow?: unknown
  node?: unknown
  nodes?: unknown
  payload?: unknown
}

export type Evaluator = (scope: Scope) => unknown

const STATE_SET = new Set<string>(STATE_NAMES)

type Node = Expression & Record<string, unknown>

interface Context {
  source: string
  /** Where to start looking for a name when reporting an error, so repeated names point at the right one. */
  cursor: number
}

function fail(ctx: Context, message: string, word?: string): never {
  throw new ExpressionError(message, word ? positionOf(ctx.source, word, 0) : 0, ctx.source)
}

/** A chain like `event.properties.total` with only fixed keys: one closure walks it. */
function staticChain(node: Node, ctx: Context): { root: string; keys: string[] } | null {
  const keys: string[] = []
  let current: Node = node
  while (current.type === 'MemberExpression') {
    const property = current.property as Node
    let key: string
    if (!current.computed && property.type === 'Identifier') key = property.name as string
    else if (current.computed && property.type === 'Literal' && (typeof property.value === 'string' || typeof property.value === 'number')) key = String(property.value)
    else return null
    if (isForbiddenKey(key)) fail(ctx, `Access to "${key}" is not allowed`, key)
    keys.unshift(key)
    current = current.object as Node
  }
  if (current.type !== 'Identifier') return null
  return { root: current.name as string, keys }
}

function rootReader(name: string, ctx: Context): Evaluator {
  if (!STATE_SET.has(name)) {
    if (Object.hasOwn(FUNCTIONS, name)) fail(ctx, `"${name}" is a function; call it as ${name}(…)`, name)
    fail(ctx, `Unknown name "${name}"; expressions can read ${STATE_NAMES.join(', ')}`, name)
  }
  const key = name as StateName
  return (scope) => {
    const v = scope[key]
    return v === undefined ? null : v
  }
}

function chainReader(root: string, keys: string[], ctx: Context): Evaluator {
  const base = rootReader(root, ctx)
  const [a, b, c, d] = keys
  switch (keys.length) {
    case 0:
      return base
    case 1:
      return (s) => member(base(s), a!)
    case 2:
      return (s) => member(member(base(s), a!), b!)
    case 3:
      return (s) => member(member(member(base(s), a!), b!), c!)
    case 4:
      return (s) => member(member(member(member(base(s), a!), b!), c!), d!)
    default:
      return (s) => {
        let v = base(s)
        for (let i = 0; i < keys.length && v !== null; i++) v = member(v, keys[i]!)
        return v
      }
  }
}

function truthy(v: unknown): boolean {
  return !!v
}

function binary(op: string, left: Evaluator, right: Evaluator, ctx: Context): Evaluator {
  switch (op) {
    case '&&':
    case 'and':
      return (s) => {
        const l = left(s)
        return truthy(l) ? right(s) : l
      }
    case '||':
    case 'or':
      return (s) => {
        const l = left(s)
        return truthy(l) ? l : right(s)
      }
    case '==':
    case '===':
      return (s) => {
        const l = left(s)
        const r = right(s)
        return l === r || deepEqual(l, r)
      }
    case '!=':
    case '!==':
      return (s) => {
        const l = left(s)
        const r = right(s)
        return !(l === r || deepEqual(l, r))
      }
    case '<':
      return (s) => {
        const l = left(s)
        const r = right(s)
        if (typeof l === 'number' && typeof r === 'number') return l < r
        const c = compare(l, r)
        return c !== null && c < 0
      }
    case '<=':
      return (s) => {
        const c = compare(left(s), right(s))
        return c !== null && c <= 0
      }
    case '>':
      return (s) => {
        const l = left(s)
        const r = right(s)
        if (typeof l === 'number' && typeof r === 'number') return l > r
        const c = compare(l, r)
        return c !== null && c > 0
      }
    case '>=':
      return (s) => {
        const c = compare(left(s), right(s))
        return c !== null && c >= 0
      }
    case '+':
      return (s) => {
        const l = left(s)
        const r = right(s)
        if (typeof l === 'number' && typeof r === 'number') return finite(l + r)
        if (typeof l === 'string' || typeof r === 'string') return textOf(l) + textOf(r)
        const a = toNumber(l)
        const b = toNumber(r)
        return a === null || b === null ? null : finite(a + b)
      }
    case '-':
    case '*':
    case '/':
    case '%':
      return (s) => {
        const a = toNumber(left(s))
        const b = toNumber(right(s))
        if (a === null || b === null) return null
        if (op === '-') return finite(a - b)
        if (op === '*') return finite(a * b)
        if (b === 0) return null
        return finite(op === '/' ? a / b : a % b)
      }
    case 'in':
      return (s) => {
        const needle = left(s)
        const haystack = right(s)
        if (Array.isArray(haystack)) return haystack.some((item) => deepEqual(item, needle))
        if (typeof haystack === 'string') return typeof needle === 'string' && haystack.includes(needle)
        if (isPlainObject(haystack)) return typeof needle === 'string' && Object.hasOwn(haystack, needle) && !isForbiddenKey(needle)
        return false
      }
    default:
      fail(ctx, `The operator "${op}" is not supported`, op)
  }
}

function textOf(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

function compileNode(node: Node, ctx: Context): Evaluator {
  switch (node.type) {
    case 'Literal': {
      const value = node.value as unknown
      if (value instanceof RegExp) fail(ctx, 'Regular expressions are not supported')
      return () => value
    }
    case 'Identifier':
      return rootReader(node.name as string, ctx)
    case 'ThisExpression':
      fail(ctx, '"this" is not available in expressions', 'this')
      break
    case 'MemberExpression': {
      const chain = staticChain(node, ctx)
      if (chain) return chainReader(chain.root, chain.keys, ctx)
      const object = compileNode(node.object as Node, ctx)
      if (!node.computed) fail(ctx, 'Unexpected property access')
      const property = compileNode(node.property as Node, ctx)
      return (s) => {
        const key = property(s)
        if (typeof key !== 'string' && typeof key !== 'number') return null
        return member(object(s), key)
      }
    }
    case 'CallExpression': {
      const callee = node.callee as Node
      if (callee.type !== 'Identifier' || !Object.hasOwn(FUNCTIONS, callee.name as string)) {
        const name = callee.type === 'Identifier' ? (callee.name as string) : callee.type === 'MemberExpression' ? String(((callee.property as Node).name as string | undefined) ?? '') : ''
        fail(ctx, `Only these functions can be called: ${Object.keys(FUNCTIONS).join(', ')}${name ? ` (not "${name}")` : ''}`, name || undefined)
      }
      const fn = FUNCTIONS[callee.name as string]!
      const args = (node.arguments as Node[]).map((arg) => compileNode(arg, ctx))
      switch (args.length) {
        case 0:
          return () => fn()
        case 1:
          return (s) => fn(args[0]!(s))
        case 2:
          return (s) => fn(args[0]!(s), args[1]!(s))
        default:
          return (s) => fn(...args.map((a) => a(s)))
      }
    }
    case 'UnaryExpression': {
      const arg = compileNode(node.argument as Node, ctx)
      switch (node.operator) {
        case '!':
        case 'not':
          return (s) => !truthy(arg(s))
        case '-':
          return (s) => {
            const n = toNumber(arg(s))
            return n === null ? null : -n
          }
        case '+':
          return (s) => toNumber(arg(s))
        default:
          fail(ctx, `The operator "${String(node.operator)}" is not supported`, String(node.operator))
      }
      break
    }
    case 'BinaryExpression':
    case 'LogicalExpression':
      return binary(node.operator as string, compileNode(node.left as Node, ctx), compileNode(node.right as Node, ctx), ctx)
    case 'ConditionalExpression': {
      const test = compileNode(node.test as Node, ctx)
      const yes = compileNode(node.consequent as Node, ctx)
      const no = compileNode(node.alternate as Node, ctx)
      return (s) => (truthy(test(s)) ? yes(s) : no(s))
    }
    case 'ArrayExpression': {
      const items = (node.elements as (Node | null)[]).map((el) => (el ? compileNode(el, ctx) : () => null))
      return (s) => items.map((item) => item(s))
    }
    case 'Compound':
      fail(ctx, 'Only one expression is allowed', ';')
      break
    case 'SequenceExpression':
      fail(ctx, 'Only one expression is allowed (found a comma)', ',')
      break
  }
  return fail(ctx, `Unsupported syntax (${node.type})`)
}

export function compileExpression(source: string): Evaluator {
  const ast = parse(source) as Node
  return compileNode(ast, { source, cursor: 0 })
}

export function checkExpression(source: string): ExpressionError | null {
  try {
    compileExpression(source)
    return null
  } catch (error) {
    if (error instanceof ExpressionError) return error
    return new ExpressionError((error as Error).message, 0, source)
  }
}
