/**
 * What a condition, template or reference gives for a sample event, computed in the renderer
 * with the engine's own expression compiler. Secrets are never fetched: every `secrets.*` read
 * gives `••••`.
 */
import {
  compileExpression,
  compileTemplate,
  hasTemplate,
  parseRef,
  readPath,
} from '../../src-shared/expr'
import type { Scope } from '../../src-shared/expr'
import { isForbiddenKey } from '../../src-shared/expr/values'

export const MASK = '••••'

/** The state a preview reads: a test case's or the last run's event, profile and session. */
export interface PreviewSample {
  /** Where the sample comes from, in the user's words: “A big purchase”, “the last event used”. */
  label: string
  event: Record<string, unknown>
  profile?: Record<string, unknown>
  session?: Record<string, unknown>
}

export type Preview = { kind: 'value' | 'warning' | 'error'; text: string }

/**
 * `secrets.NAME.FIELD` as a plain-looking object whose every field reads `••••`: expressions
 * walk it like data (the compiler only steps into plain objects' own properties), so
 * `"Bearer " + secrets.crm.apiKey` previews as `"Bearer ••••"` without any value at hand.
 */
function maskedSecrets(depth = 1): object {
  const child = (key: string | symbol) =>
    typeof key !== 'string' || isForbiddenKey(key)
      ? undefined
      : depth > 0
        ? maskedSecrets(depth - 1)
        : MASK
  return new Proxy(
    {},
    {
      get: (_target, key) => (key === 'constructor' ? Object : child(key)),
      has: (_target, key) => child(key) !== undefined,
      getOwnPropertyDescriptor: (_target, key) => {
        const value = child(key)
        return value === undefined
          ? undefined
          : { value, enumerable: true, configurable: true, writable: false }
      },
    },
  )
}

export function scopeOf(sample: PreviewSample): Scope {
  return {
    event: sample.event,
    profile: sample.profile ?? {},
    session: sample.session ?? {},
    flow: {},
    node: {},
    nodes: {},
    payload: sample.event,
    secrets: maskedSecrets(),
    vars: {},
  }
}

function shown(value: unknown): string {
  const text = value === undefined ? 'null' : (JSON.stringify(value) ?? String(value))
  return text.length > 200 ? `${text.slice(0, 200)}…` : text
}

/** The first part of `path` that `root` lacks, or null when the whole path is there. */
function missingAt(root: unknown, path: readonly string[]): number | null {
  let value = root
  for (let i = 0; i < path.length; i++) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, path[i]!)) return i
    value = (value as Record<string, unknown>)[path[i]!]
  }
  return null
}

function evaluate(run: () => unknown, template: boolean): Preview {
  try {
    const value = run()
    return { kind: 'value', text: template && typeof value === 'string' ? value : shown(value) }
  } catch (error) {
    return { kind: 'error', text: (error as Error).message }
  }
}

/** The preview of one field's text, or null when there is nothing to show (empty, or not compiled). */
export function previewOf(
  kind: 'expression' | 'template' | 'ref',
  text: string,
  sample: PreviewSample,
): Preview | null {
  if (!text.trim()) return null
  const scope = scopeOf(sample)
  if (kind === 'expression') {
    let evaluator
    try {
      evaluator = compileExpression(text)
    } catch {
      return null // the widget already shows the compile error
    }
    return evaluate(() => evaluator(scope), false)
  }
  if (kind === 'template' || hasTemplate(text)) {
    let render
    try {
      render = compileTemplate(text)
    } catch {
      return null
    }
    return evaluate(() => render(scope), true)
  }
  const ref = parseRef(text)
  if (!ref) return null
  if (ref.source === 'secret') return { kind: 'value', text: MASK }
  if (ref.source === 'vars')
    return { kind: 'value', text: '(a variable of the current environment)' }
  const root = (scope as Record<string, unknown>)[ref.source]
  const missing = missingAt(root, ref.path)
  if (
    missing !== null &&
    (ref.source === 'flow' || ref.source === 'node' || ref.source === 'nodes')
  ) {
    // Run state that earlier nodes fill in; a sample event cannot say whether it will be there.
    return { kind: 'value', text: '(set during the run)' }
  }
  if (missing !== null) {
    const where = `${ref.source}@${ref.path.slice(0, missing + 1).join('.')}`
    return { kind: 'warning', text: `${where} is not in ${sample.label}` }
  }
  return { kind: 'value', text: shown(readPath(root, ref.path)) }
}
