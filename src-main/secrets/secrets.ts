/**
 * Secrets and environments as the app, the API and the CLI use them (one home for the use case).
 * Values go in sealed and come out only as a RunEnvironment for the engine; every list answers
 * with names and field names, never a value.
 */
import type { RunEnvironment } from '../../src-shared/engine/environment'
import { DEFAULT_ENVIRONMENT_NAME } from '../../src-shared/engine/environment'
import type { EnvironmentNames } from '../../src-shared/flow/validate'
import type { EnvironmentsRepository } from '../store/environments'
import type { SecretCipher } from './secret-key'

export interface SecretSummary {
  name: string
  /** null: shared by every environment that has no secret of this name of its own. */
  environment: string | null
  fields: string[]
  updatedAt: string
}

export interface EnvironmentSummary {
  name: string
  vars: Record<string, unknown>
  current: boolean
}

/** Names of secrets, fields, environments and variables: used as they are in expressions. */
const NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/
const CURRENT = 'environment'

export class SecretsError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretsError'
  }
}

function checkName(kind: string, name: string): void {
  if (typeof name !== 'string' || !NAME.test(name))
    throw new SecretsError(
      `${kind} ${JSON.stringify(name)} must start with a letter or _ and hold only letters, digits, _ and - (at most 64)`,
    )
}

const sealContext = (name: string, environment: string) => `${name}\u0000${environment}`

export class Secrets {
  constructor(
    private readonly repo: EnvironmentsRepository,
    private readonly cipher: SecretCipher,
  ) {}

  currentEnvironment(): string {
    return this.repo.getSetting(CURRENT) ?? DEFAULT_ENVIRONMENT_NAME
  }

  useEnvironment(name: string): void {
    checkName('An environment name', name)
    if (!this.repo.getEnvironment(name)) this.repo.saveEnvironment(name, {})
    this.repo.setSetting(CURRENT, name)
  }

  environments(): EnvironmentSummary[] {
    const current = this.currentEnvironment()
    const list = this.repo
      .listEnvironments()
      .map((e) => ({ name: e.name, vars: e.vars, current: e.name === current }))
    if (!list.some((e) => e.current)) list.unshift({ name: current, vars: {}, current: true })
    return list
  }

  saveEnvironment(name: string, vars: Record<string, unknown>): void {
    checkName('An environment name', name)
    for (const key of Object.keys(vars)) checkName('A variable name', key)
    this.repo.saveEnvironment(name, vars)
  }

  deleteEnvironment(name: string): void {
    if (name === this.currentEnvironment())
      throw new SecretsError(`"${name}" is the current environment; switch to another first`)
    if (!this.repo.deleteEnvironment(name))
      throw new SecretsError(`There is no environment "${name}"`)
  }

  /** Creates or replaces a secret (all its fields at once). */
  set(
    name: string,
    fields: Record<string, string>,
    environment: string | null = null,
  ): SecretSummary {
    checkName('A secret name', name)
    if (environment !== null) checkName('An environment name', environment)
    const names = Object.keys(fields)
    if (names.length === 0)
      throw new SecretsError(`The secret "${name}" needs at least one field (e.g. apiKey=…)`)
    for (const field of names) {
      checkName('A field name', field)
      if (typeof fields[field] !== 'string')
        throw new SecretsError(`The field "${field}" of "${name}" must be text`)
    }
    const env = environment ?? ''
    if (env && !this.repo.getEnvironment(env)) this.repo.saveEnvironment(env, {})
    this.repo.saveSecret({
      name,
      environment: env,
      fields: names.sort(),
      ciphertext: this.cipher.seal(JSON.stringify(fields), sealContext(name, env)),
    })
    return this.list().find((s) => s.name === name && s.environment === environment)!
  }

  rename(from: string, to: string): void {
    checkName('A secret name', to)
    const rows = this.repo.listSecrets().filter((s) => s.name === from)
    if (rows.length === 0) throw new SecretsError(`There is no secret "${from}"`)
    if (this.repo.listSecrets().some((s) => s.name === to))
      throw new SecretsError(`A secret "${to}" already exists`)
    this.repo.replaceSecrets(
      rows.map((r) => ({ name: r.name, environment: r.environment })),
      rows.map((r) => ({
        name: to,
        environment: r.environment,
        fields: r.fields,
        ciphertext: this.cipher.seal(
          this.cipher.open(r.ciphertext, sealContext(from, r.environment)),
          sealContext(to, r.environment),
        ),
      })),
    )
  }

  /** Deletes a secret from one environment, or (environment undefined) everywhere. */
  delete(name: string, environment?: string | null): void {
    const removed = this.repo.deleteSecret(
      name,
      environment === undefined ? null : (environment ?? ''),
    )
    if (removed === 0)
      throw new SecretsError(
        `There is no secret "${name}"${environment ? ` in the environment "${environment}"` : ''}`,
      )
  }

  list(): SecretSummary[] {
    return this.repo.listSecrets().map((r) => ({
      name: r.name,
      environment: r.environment === '' ? null : r.environment,
      fields: r.fields,
      updatedAt: r.updatedAt,
    }))
  }

  /** Names only, for the validator: which secrets and variables an environment defines. */
  names(environment = this.currentEnvironment()): EnvironmentNames {
    const secrets: Record<string, string[]> = {}
    for (const row of this.repo.listSecrets()) {
      if (row.environment === '' && !secrets[row.name]) secrets[row.name] = row.fields
      if (row.environment === environment) secrets[row.name] = row.fields
    }
    return {
      name: environment,
      secrets,
      vars: Object.keys(this.repo.getEnvironment(environment)?.vars ?? {}),
    }
  }

  /** What runs in an environment read: its variables and its secrets, opened. */
  environment(environment = this.currentEnvironment()): RunEnvironment {
    const secrets: Record<string, Record<string, string>> = {}
    const rows = this.repo.listSecrets()
    for (const row of rows)
      if (row.environment === '')
        secrets[row.name] = this.open(row.name, row.environment, row.ciphertext)
    for (const row of rows)
      if (row.environment === environment)
        secrets[row.name] = this.open(row.name, row.environment, row.ciphertext)
    return {
      name: environment,
      vars: { ...(this.repo.getEnvironment(environment)?.vars ?? {}) },
      secrets,
    }
  }

  private open(name: string, environment: string, sealed: Buffer): Record<string, string> {
    return JSON.parse(this.cipher.open(sealed, sealContext(name, environment))) as Record<
      string,
      string
    >
  }
}
