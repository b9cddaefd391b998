/**
 * The environment `flowbench serve` runs its flows in (design §3, §8): secrets from
 * `FLOWBENCH_SECRET_<NAME>_<FIELD>` variables or a `--secrets-file` in dotenv format, variables
 * from the bundle's environment `--env NAME` and from `FLOWBENCH_VAR_<NAME>`.
 *
 * A variable name cannot be mapped back to a secret name and field (`crm_eu.api_key` and
 * `crm.eu_api_key` are both `FLOWBENCH_SECRET_CRM_EU_API_KEY`), so this goes the other way: from
 * the names the served flows read to the variable that holds each one.
 */
import { environmentRefs, secretsNeeded } from '../../src-shared/flow/environment-refs'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { PluginLookup } from '../../src-shared/plugin-sdk'

export const SECRET_PREFIX = 'FLOWBENCH_SECRET_'
export const VAR_PREFIX = 'FLOWBENCH_VAR_'

function envPart(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_')
}

/** `crm`, `apiKey` → `FLOWBENCH_SECRET_CRM_APIKEY`. */
export function secretVariable(name: string, field: string): string {
  return `${SECRET_PREFIX}${envPart(name)}_${envPart(field)}`
}

/** `apiBase` → `FLOWBENCH_VAR_APIBASE`. */
export function varVariable(name: string): string {
  return `${VAR_PREFIX}${envPart(name)}`
}

export class SecretsFileError extends Error {}

const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)$/
const DOUBLE_QUOTE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  '"': '"',
  '\\': '\\',
}

/**
 * A dotenv text: `NAME=value` lines, `export ` allowed, `#` comments, values bare (trimmed, a
 * ` #` starts a comment), in single quotes (as written) or in double quotes (`\n`, `\"`, `\\`).
 * A malformed line is refused by its number only: its text may be a secret.
 */
export function parseDotenv(text: string, file = 'the secrets file'): Map<string, string> {
  const values = new Map<string, string>()
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  lines.forEach((line, index) => {
    if (/^\s*(#.*)?$/.test(line)) return
    const match = LINE.exec(line)
    const where = `${file}, line ${index + 1}`
    if (!match) throw new SecretsFileError(`${where}: expected NAME=value`)
    const name = match[1]!
    const rest = match[2]!.trimStart()
    let value: string
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1)
      if (end < 0 || !/^\s*(#.*)?$/.test(rest.slice(end + 1)))
        throw new SecretsFileError(`${where}: unterminated or trailing text after a quoted value`)
      value = rest.slice(1, end)
    } else if (rest.startsWith('"')) {
      let out = ''
      let i = 1
      for (; i < rest.length && rest[i] !== '"'; i++) {
        if (rest[i] !== '\\') {
          out += rest[i]
          continue
        }
        const escaped = DOUBLE_QUOTE_ESCAPES[rest[i + 1] ?? '']
        if (escaped === undefined)
          throw new SecretsFileError(`${where}: unknown escape in a quoted value`)
        out += escaped
        i++
      }
      if (i >= rest.length || !/^\s*(#.*)?$/.test(rest.slice(i + 1)))
        throw new SecretsFileError(`${where}: unterminated or trailing text after a quoted value`)
      value = out
    } else {
      const comment = rest.search(/\s#/)
      value = (comment < 0 ? rest : rest.slice(0, comment)).trim()
    }
    values.set(name, value)
  })
  return values
}

export interface MissingSecret {
  name: string
  /** null when a flow reads the whole secret: then at least one field must be given. */
  field: string | null
  variable: string
}

export interface ServeEnvironmentInput {
  /** The served flows: the secrets and variables they read are looked up. */
  flows: readonly unknown[]
  plugins?: PluginLookup
  /** The process environment; it wins over the file (as dotenv does). */
  env: Record<string, string | undefined>
  /** The parsed `--secrets-file`, if any. */
  file?: Map<string, string>
  /** `--env NAME`: the environment's name and its variables from the bundle, if any. */
  name: string
  vars?: Record<string, unknown>
}

export interface ServeEnvironment {
  environment: RunEnvironment
  missing: MissingSecret[]
  /** Variables the flows read that no one gave a value (they read as null). */
  unsetVars: { name: string; variable: string }[]
}

/** The environment for the served flows, with every secret they need and did not get. */
export function serveEnvironment(input: ServeEnvironmentInput): ServeEnvironment {
  const lookup = (variable: string): string | undefined =>
    Object.hasOwn(input.env, variable) && input.env[variable] !== undefined
      ? input.env[variable]
      : input.file?.get(variable)
  const secrets: Record<string, Record<string, string>> = {}
  const missing: MissingSecret[] = []
  for (const [name, fields] of Object.entries(secretsNeeded(input.flows, input.plugins))) {
    const found: Record<string, string> = {}
    if (fields.length === 0) {
      // A flow reads the secret whole: every field given under its prefix, named as written.
      const prefix = `${SECRET_PREFIX}${envPart(name)}_`
      const names = new Set([...Object.keys(input.env), ...(input.file?.keys() ?? [])])
      for (const variable of names)
        if (variable.startsWith(prefix) && variable.length > prefix.length) {
          const value = lookup(variable)
          if (value !== undefined) found[variable.slice(prefix.length).toLowerCase()] = value
        }
      if (Object.keys(found).length === 0)
        missing.push({ name, field: null, variable: `${prefix}<FIELD>` })
    }
    for (const field of fields) {
      const variable = secretVariable(name, field)
      const value = lookup(variable)
      if (value === undefined) missing.push({ name, field, variable })
      else found[field] = value
    }
    secrets[name] = found
  }

  const vars: Record<string, unknown> = { ...(input.vars ?? {}) }
  const unsetVars: ServeEnvironment['unsetVars'] = []
  const varNames = new Set<string>()
  for (const flow of input.flows)
    for (const ref of environmentRefs(flow, input.plugins))
      if (ref.kind === 'var') varNames.add(ref.name)
  for (const name of [...varNames].sort()) {
    const variable = varVariable(name)
    const value = lookup(variable)
    if (value !== undefined) vars[name] = value
    else if (!Object.hasOwn(vars, name)) unsetVars.push({ name, variable })
  }
  return { environment: { name: input.name, vars, secrets }, missing, unsetVars }
}

/** `crm.apiKey (FLOWBENCH_SECRET_CRM_APIKEY), …` */
export function describeMissing(missing: readonly MissingSecret[]): string {
  return missing
    .map((m) => `${m.field === null ? m.name : `${m.name}.${m.field}`} (${m.variable})`)
    .join(', ')
}

/** The secrets the flows need that an environment lacks (for callers that built it themselves). */
export function missingSecrets(
  flows: readonly unknown[],
  environment: RunEnvironment,
  plugins?: PluginLookup,
): MissingSecret[] {
  const missing: MissingSecret[] = []
  for (const [name, fields] of Object.entries(secretsNeeded(flows, plugins))) {
    const given = Object.hasOwn(environment.secrets, name) ? environment.secrets[name]! : undefined
    if (fields.length === 0 && (!given || Object.keys(given).length === 0))
      missing.push({ name, field: null, variable: `${SECRET_PREFIX}${envPart(name)}_<FIELD>` })
    for (const field of fields)
      if (!given || !Object.hasOwn(given, field) || typeof given[field] !== 'string')
        missing.push({ name, field, variable: secretVariable(name, field) })
  }
  return missing
}
