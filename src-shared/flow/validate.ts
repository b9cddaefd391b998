/**
 * The flow validator (design §2). Answers every input — even null, a number or a huge broken
 * document — with a list of problems, each with a stable code and, where it applies, the
 * node, the edge and a JSON pointer. Uses @cfworker/json-schema, which never evals: the
 * renderer runs this validator live under a CSP that forbids eval.
 */
import { Validator } from '@cfworker/json-schema'
import type { OutputUnit, Schema } from '@cfworker/json-schema'
import type { ExpressionError } from '../expr'
import { checkExpression, templateExpressions } from '../expr'
import type { PluginLookup, PluginMeta } from '../plugin-sdk'
import { isTriggerPlugin, outputPortsOf } from '../plugin-sdk'
import { parseJsonText } from '../json-text'
import { environmentRefs } from './environment-refs'
import { compileFastSchema } from './fast-schema'
import { linearSchema, restorePatternErrors } from './linear-patterns'
import { CycleError, reachableFrom, topologicalOrder } from './graph'
import { EDGE_SCHEMA, FLOW_SCHEMA, NODE_SCHEMA } from './schema'
import type { Problem } from './types'

export interface ValidateOptions {
  plugins: PluginLookup
  /**
   * The environment the flow will run in: its secrets (name → fields) and variable names. When
   * given, a flow that reads a secret or variable it does not define gets a problem.
   */
  environment?: EnvironmentNames
}

export interface EnvironmentNames {
  name: string
  secrets: Record<string, readonly string[]>
  vars: readonly string[]
}

const TOP_LEVEL_SCHEMA = {
  ...(FLOW_SCHEMA as Record<string, unknown>),
  // Nodes and edges are checked one by one below, so a problem names its node or edge.
  properties: {
    ...(FLOW_SCHEMA as { properties: Record<string, unknown> }).properties,
    nodes: { type: 'array' },
    edges: { type: 'array' },
  },
}

interface SchemaCheck {
  validate(value: unknown): { valid: boolean; errors: OutputUnit[] }
}

/** The fast compiled validator when the schema allows it, cfworker's otherwise. */
function checkerFor(schema: unknown): SchemaCheck {
  try {
    const fast = compileFastSchema(schema)
    if (fast) return fast
    const validator = new Validator(linearSchema(schema) as Schema, '2020-12', false)
    return {
      validate(value) {
        const result = validator.validate(value)
        return { valid: result.valid, errors: restorePatternErrors(result.errors) }
      },
    }
  } catch (error) {
    // A schema whose pattern the linear engine cannot run: every config fails, saying why.
    const message = (error as Error).message
    return {
      validate: () => ({
        valid: false,
        errors: [
          { keyword: 'pattern', keywordLocation: '#', instanceLocation: '#', error: message },
        ],
      }),
    }
  }
}

let validators: { top: SchemaCheck; node: SchemaCheck; edge: SchemaCheck } | null = null
function schemaValidators() {
  validators ??= {
    top: checkerFor(TOP_LEVEL_SCHEMA),
    node: checkerFor(NODE_SCHEMA),
    edge: checkerFor(EDGE_SCHEMA),
  }
  return validators
}

const configValidators = new WeakMap<object, SchemaCheck>()
function configValidator(plugin: PluginMeta): SchemaCheck | null {
  const schema = plugin.configSchema
  if (typeof schema !== 'object' || schema === null) return null
  let validator = configValidators.get(schema)
  if (!validator) {
    validator = checkerFor(schema)
    configValidators.set(schema, validator)
  }
  return validator
}

const WRAPPER_KEYWORDS = new Set([
  'properties',
  'items',
  'prefixItems',
  '$ref',
  'allOf',
  'anyOf',
  'oneOf',
  'false',
  'additionalItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'dependentSchemas',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'patternProperties',
])

function pointer(base: string, instanceLocation: string): string {
  const rest = instanceLocation.replace(/^#/, '')
  return base + rest
}

function describe(path: string): string {
  return path === '' ? 'the flow' : path
}

/** Turns cfworker's cascade of errors into one problem per failing place, most specific first. */
function schemaProblems(
  errors: OutputUnit[],
  base: string,
  where: { nodeId?: string; edgeId?: string },
  code: 'invalid-flow' | 'invalid-config',
): Problem[] {
  const problems: Problem[] = []
  const seen = new Set<string>()
  const add = (problem: Problem) => {
    const key = `${problem.code}|${problem.path}|${problem.message}`
    if (!seen.has(key)) {
      seen.add(key)
      problems.push(problem)
    }
  }
  for (const error of errors) {
    const path = pointer(base, error.instanceLocation)
    if (error.keyword === 'additionalProperties') {
      const field = /Property "(.*)" does not match additional properties schema/.exec(
        error.error,
      )?.[1]
      if (field === undefined) continue
      const fieldPath = `${path}/${field.replace(/~/g, '~0').replace(/\//g, '~1')}`
      const message =
        code === 'invalid-config'
          ? `Node "${where.nodeId}" config has an unknown field "${field}"`
          : `Unknown field "${field}" in ${describe(path)}; flows may carry only the documented fields (free data goes in "metadata")`
      add({
        code: code === 'invalid-config' ? 'invalid-config' : 'unknown-field',
        severity: 'error',
        message,
        path: fieldPath,
        ...where,
      })
      continue
    }
    if (WRAPPER_KEYWORDS.has(error.keyword)) continue
    const message = `${code === 'invalid-config' ? `Node "${where.nodeId}" config` : describe(path)}${code === 'invalid-config' && path !== base ? ` at ${path.slice(base.length)}` : ''}: ${error.error.replace(/^Instance /, '')}`
    add({ code, severity: 'error', message, path, ...where })
  }
  // A failing anyOf/oneOf reports only through its wrapper: say at least that much.
  if (problems.length === 0 && errors.length > 0) {
    const first = errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf') ?? errors[0]!
    const path = pointer(base, first.instanceLocation)
    add({
      code,
      severity: 'error',
      message: `${code === 'invalid-config' ? `Node "${where.nodeId}" config` : describe(path)}: ${first.error}`,
      path,
      ...where,
    })
  }
  return problems
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

interface UsableNode {
  id: string
  plugin: string
  index: number
  config: unknown
  meta: PluginMeta | undefined
}

interface UsableEdge {
  id: string
  source: string
  sourcePort: string
  target: string
  targetPort: string
  index: number
}

function expressionProblems(node: UsableNode, problems: Problem[]): void {
  const config = node.config
  if (!isObject(config) || !node.meta) return
  const checked = new Set<string>()
  for (const field of node.meta.expressionFields ?? []) {
    const value = config[field.field]
    if (typeof value !== 'string') continue
    checked.add(field.field)
    const path = `/nodes/${node.index}/config/${field.field}`
    if (field.kind === 'expression') {
      const error = checkExpression(value)
      if (error)
        problems.push({
          code: 'invalid-expression',
          severity: 'error',
          message: `Node "${node.id}" ${field.field}: ${error.message}`,
          nodeId: node.id,
          path,
        })
    } else {
      templateProblems(node, value, path, `${field.field}`, problems)
    }
  }
  // Any other string with {{ }} anywhere in the config is a template too. Paths and labels are
  // spelled out only for a template, not for every value walked past.
  const keys: (string | number)[] = []
  const visit = (value: unknown, depth: number) => {
    if (depth > 20) return
    if (typeof value === 'string') {
      if (value.includes('{{') && templateErrors(value).length > 0)
        templateProblems(node, value, configPath(node.index, keys), configLabel(keys), problems)
    } else if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        keys.push(i)
        visit(value[i], depth + 1)
        keys.pop()
      }
    } else if (isObject(value)) {
      for (const key of Object.keys(value)) {
        if (depth === 0 && checked.has(key)) continue
        keys.push(key)
        visit(value[key], depth + 1)
        keys.pop()
      }
    }
  }
  visit(config, 0)
}

function configPath(index: number, keys: readonly (string | number)[]): string {
  let path = `/nodes/${index}/config`
  for (const key of keys)
    path += typeof key === 'number' ? `/${key}` : `/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`
  return path
}

/** `values.a[0].b`: list positions (numbers) in brackets. */
function configLabel(keys: readonly (string | number)[]): string {
  let label = ''
  for (const key of keys)
    label = typeof key === 'number' ? `${label}[${key}]` : label ? `${label}.${key}` : key
  return label
}

const templateChecks = new Map<string, { start: number; error: ExpressionError }[]>()
const MAX_TEMPLATE_CHECKS = 5000

/** The failing `{{ }}` parts of a template, remembered: the editor validates on every edit. */
function templateErrors(text: string): { start: number; error: ExpressionError }[] {
  let errors = templateChecks.get(text)
  if (!errors) {
    errors = []
    for (const part of templateExpressions(text)) {
      const error = checkExpression(part.source)
      if (error) errors.push({ start: part.start, error })
    }
    if (templateChecks.size >= MAX_TEMPLATE_CHECKS) templateChecks.clear()
    templateChecks.set(text, errors)
  }
  return errors
}

function templateProblems(
  node: UsableNode,
  text: string,
  path: string,
  label: string,
  problems: Problem[],
): void {
  for (const { start, error } of templateErrors(text)) {
    const reason = error.message.replace(/ at position \d+$/, '')
    problems.push({
      code: 'invalid-expression',
      severity: 'error',
      message: `Node "${node.id}" ${label || 'config'}: ${reason} at position ${start + error.position} of the template`,
      nodeId: node.id,
      path,
    })
  }
}

export function validateFlow(input: unknown, options: ValidateOptions): Problem[] {
  try {
    return validate(input, options)
  } catch (error) {
    // The validator must answer, never crash; an internal failure is still an answer.
    return [
      {
        code: 'invalid-flow',
        severity: 'error',
        message: `The flow could not be checked: ${(error as Error).message}`,
        path: '',
      },
    ]
  }
}

function validate(input: unknown, { plugins, environment }: ValidateOptions): Problem[] {
  if (!isObject(input)) {
    return [
      {
        code: 'invalid-flow',
        severity: 'error',
        message: `A flow must be a JSON object, not ${Array.isArray(input) ? 'a list' : input === null ? 'null' : typeof input}`,
        path: '',
      },
    ]
  }
  const { top, node: nodeValidator, edge: edgeValidator } = schemaValidators()
  const problems: Problem[] = []
  const topResult = top.validate(input)
  if (!topResult.valid) problems.push(...schemaProblems(topResult.errors, '', {}, 'invalid-flow'))

  const rawNodes = Array.isArray(input.nodes) ? input.nodes : []
  const rawEdges = Array.isArray(input.edges) ? input.edges : []

  // Nodes: shape, ids, plugins, configs, expressions.
  const nodes: UsableNode[] = []
  const nodeById = new Map<string, UsableNode>()
  rawNodes.forEach((raw, index) => {
    const nodeId = isObject(raw) && typeof raw.id === 'string' ? raw.id : undefined
    const result = nodeValidator.validate(raw)
    if (!result.valid)
      problems.push(
        ...schemaProblems(
          result.errors,
          `/nodes/${index}`,
          nodeId ? { nodeId } : {},
          'invalid-flow',
        ),
      )
    if (
      !isObject(raw) ||
      typeof raw.id !== 'string' ||
      raw.id === '' ||
      typeof raw.plugin !== 'string'
    )
      return
    if (nodeById.has(raw.id)) {
      problems.push({
        code: 'duplicate-id',
        severity: 'error',
        message: `Two nodes have the id "${raw.id}"`,
        nodeId: raw.id,
        path: `/nodes/${index}/id`,
      })
      return
    }
    const usable: UsableNode = {
      id: raw.id,
      plugin: raw.plugin,
      index,
      config: raw.config,
      meta: plugins.get(raw.plugin),
    }
    nodes.push(usable)
    nodeById.set(raw.id, usable)
    if (!usable.meta) {
      problems.push({
        code: 'unknown-plugin',
        severity: 'error',
        message: `Node "${raw.id}" uses the plugin "${raw.plugin}", which is not installed`,
        nodeId: raw.id,
        path: `/nodes/${index}/plugin`,
      })
      return
    }
    if (isObject(raw.config)) {
      const validator = configValidator(usable.meta)
      const configResult = validator?.validate(raw.config)
      if (configResult && !configResult.valid)
        problems.push(
          ...schemaProblems(
            configResult.errors,
            `/nodes/${index}/config`,
            { nodeId: raw.id },
            'invalid-config',
          ),
        )
      expressionProblems(usable, problems)
    }
  })

  if (environment) problems.push(...environmentProblems(input, plugins, environment))

  // Edges: shape, ids, ends, ports.
  const edges: UsableEdge[] = []
  const edgeIds = new Set<string>()
  rawEdges.forEach((raw, index) => {
    const edgeId = isObject(raw) && typeof raw.id === 'string' ? raw.id : undefined
    const result = edgeValidator.validate(raw)
    if (!result.valid)
      problems.push(
        ...schemaProblems(
          result.errors,
          `/edges/${index}`,
          edgeId ? { edgeId } : {},
          'invalid-flow',
        ),
      )
    if (
      !isObject(raw) ||
      typeof raw.id !== 'string' ||
      typeof raw.source !== 'string' ||
      typeof raw.target !== 'string'
    )
      return
    if (edgeIds.has(raw.id)) {
      problems.push({
        code: 'duplicate-id',
        severity: 'error',
        message: `Two edges have the id "${raw.id}"`,
        edgeId: raw.id,
        path: `/edges/${index}/id`,
      })
      return
    }
    edgeIds.add(raw.id)
    const sourcePort = typeof raw.sourcePort === 'string' ? raw.sourcePort : ''
    const targetPort = typeof raw.targetPort === 'string' ? raw.targetPort : ''
    const source = nodeById.get(raw.source)
    const target = nodeById.get(raw.target)
    if (!source)
      problems.push({
        code: 'dangling-edge',
        severity: 'error',
        message: `Edge "${raw.id}" starts at "${raw.source}", which is not a node of this flow`,
        edgeId: raw.id,
        path: `/edges/${index}/source`,
      })
    if (!target)
      problems.push({
        code: 'dangling-edge',
        severity: 'error',
        message: `Edge "${raw.id}" ends at "${raw.target}", which is not a node of this flow`,
        edgeId: raw.id,
        path: `/edges/${index}/target`,
      })
    if (!source || !target) return
    if (source.meta && sourcePort) {
      const ports = outputPortsOf(source.meta, source.config)
      if (!ports.includes(sourcePort)) {
        problems.push({
          code: 'unknown-port',
          severity: 'error',
          message: `Edge "${raw.id}": node "${source.id}" has no output port "${sourcePort}" (it has ${ports.join(', ')})`,
          edgeId: raw.id,
          nodeId: source.id,
          path: `/edges/${index}/sourcePort`,
        })
      }
    }
    if (target.meta && targetPort && !target.meta.inputs.includes(targetPort)) {
      const has = target.meta.inputs.length
        ? `it has ${target.meta.inputs.join(', ')}`
        : 'it is a trigger and takes no input'
      problems.push({
        code: 'unknown-port',
        severity: 'error',
        message: `Edge "${raw.id}": node "${target.id}" has no input port "${targetPort}" (${has})`,
        edgeId: raw.id,
        nodeId: target.id,
        path: `/edges/${index}/targetPort`,
      })
    }
    edges.push({
      id: raw.id,
      source: raw.source,
      sourcePort,
      target: raw.target,
      targetPort,
      index,
    })
  })

  // Entry points: exactly one trigger.
  const triggers = nodes.filter((n) =>
    n.meta ? isTriggerPlugin(n.meta) : n.plugin.startsWith('trigger.'),
  )
  if (triggers.length === 0 && nodes.length > 0) {
    problems.push({
      code: 'no-entrypoint',
      severity: 'error',
      message: 'The flow has no trigger node to start it (add e.g. "Manual start")',
      path: '/nodes',
    })
  } else if (triggers.length === 0) {
    problems.push({
      code: 'no-entrypoint',
      severity: 'error',
      message: 'The flow is empty: add a trigger node to start it',
      path: '/nodes',
    })
  }
  if (triggers.length > 1) {
    const names = triggers.map((t) => `"${t.id}"`).join(', ')
    for (const extra of triggers.slice(1)) {
      problems.push({
        code: 'multiple-entrypoints',
        severity: 'error',
        message: `A flow has exactly one trigger; this one has ${triggers.length}: ${names}`,
        nodeId: extra.id,
        path: `/nodes/${extra.index}`,
      })
    }
  }

  // Cycles.
  try {
    topologicalOrder(
      nodes.map((n) => n.id),
      edges,
    )
  } catch (error) {
    if (!(error instanceof CycleError)) throw error
    const first = nodeById.get(error.nodeIds[0]!)
    problems.push({
      code: 'cycle',
      severity: 'error',
      message: error.message,
      nodeId: error.nodeIds[0],
      path: first ? `/nodes/${first.index}` : '/edges',
    })
  }

  // Reachability (a warning: such nodes never run).
  if (triggers.length > 0) {
    const reachable = reachableFrom(
      triggers.map((t) => t.id),
      edges,
    )
    for (const node of nodes) {
      if (!reachable.has(node.id)) {
        problems.push({
          code: 'unreachable-node',
          severity: 'warning',
          message: `Node "${node.id}" cannot be reached from the trigger, so it never runs`,
          nodeId: node.id,
          path: `/nodes/${node.index}`,
        })
      }
    }
  }
  return problems
}

function environmentProblems(
  flow: unknown,
  plugins: PluginLookup,
  environment: EnvironmentNames,
): Problem[] {
  const problems: Problem[] = []
  const vars = new Set(environment.vars)
  for (const ref of environmentRefs(flow, plugins)) {
    const where = { nodeId: ref.nodeId, path: ref.path }
    if (ref.kind === 'secret') {
      const fields = Object.hasOwn(environment.secrets, ref.name)
        ? environment.secrets[ref.name]
        : undefined
      const shown = ref.field ? `secrets.${ref.name}.${ref.field}` : `secrets.${ref.name}`
      if (!fields)
        problems.push({
          code: 'unknown-secret',
          severity: 'error',
          message: `Node "${ref.nodeId}" reads ${shown}, but the environment "${environment.name}" has no secret "${ref.name}"`,
          ...where,
        })
      else if (ref.field && !fields.includes(ref.field))
        problems.push({
          code: 'unknown-secret',
          severity: 'error',
          message: `Node "${ref.nodeId}" reads ${shown}, but the secret "${ref.name}" has no field "${ref.field}" (it has ${fields.join(', ') || 'none'})`,
          ...where,
        })
    } else if (!vars.has(ref.name)) {
      problems.push({
        code: 'unknown-variable',
        severity: 'warning',
        message: `Node "${ref.nodeId}" reads vars.${ref.name}, which the environment "${environment.name}" does not define (it reads as null)`,
        ...where,
      })
    }
  }
  return problems
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error')
}

/** Parses flow JSON text; text that is not JSON becomes one `invalid-json` problem with line and column. */
export function parseFlowJson(text: string): { flow: unknown; problems: Problem[] } {
  const parsed = parseJsonText(text)
  if (parsed.ok) return { flow: parsed.value, problems: [] }
  return {
    flow: undefined,
    problems: [
      {
        code: 'invalid-json',
        severity: 'error',
        message: `The flow is not valid JSON: ${parsed.message}`,
        path: '',
      },
    ],
  }
}
