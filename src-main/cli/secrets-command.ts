/**
 * `flowbench secrets set|list|delete|rename` and `flowbench env list|use|set|unset`: the same
 * Secrets service the app uses, over a data directory. Values go in (as arguments, or `field=-`
 * from standard input so they stay out of shell history) and never come out.
 */
import { text } from 'node:stream/consumers'
import type { Store } from '../store/store'
import { loadSecretKey, SecretCipher, SecretKeyError } from '../secrets/secret-key'
import { Secrets, SecretsError } from '../secrets/secrets'
import type { CliCommand, Output } from './usage'
import { UsageError } from './usage'

export interface SecretsCommandContext {
  /** The data directory's store (the flag, FLOWBENCH_DATA_DIR, or the app's folder). */
  openStore: (dataDir: string | undefined) => Store
  dataDirOf: (dataDir: string | undefined) => string
  readStdin?: () => Promise<string>
}

/** The Secrets of a data directory; the caller closes the store. */
export function openSecrets(store: Store, dataDir: string): Secrets {
  try {
    return new Secrets(store.environments, new SecretCipher(loadSecretKey({ dataDir })))
  } catch (error) {
    if (error instanceof SecretKeyError) throw new UsageError(error.message)
    throw error
  }
}

async function withSecrets<T>(
  ctx: SecretsCommandContext,
  dataDir: string | undefined,
  work: (secrets: Secrets) => Promise<T> | T,
): Promise<T> {
  const store = ctx.openStore(dataDir)
  try {
    return await work(openSecrets(store, ctx.dataDirOf(dataDir)))
  } catch (error) {
    if (error instanceof SecretsError || error instanceof SecretKeyError)
      throw new UsageError(error.message)
    throw error
  } finally {
    store.close()
  }
}

function printSecrets(secrets: Secrets, json: boolean, io: Output): void {
  const list = secrets.list()
  if (json) {
    io.out(JSON.stringify({ environment: secrets.currentEnvironment(), secrets: list }, null, 2))
    return
  }
  if (list.length === 0) {
    io.out('No secrets. Add one with: flowbench secrets set <name> <field>=<value>…')
    return
  }
  for (const s of list)
    io.out(
      `${s.name}\t${s.environment ?? '(every environment)'}\t${s.fields.join(', ')}\t${s.updatedAt}`,
    )
}

export function secretsCommand(ctx: SecretsCommandContext): CliCommand {
  return {
    options: { env: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    async handler(positionals, values, io) {
      const [action, ...args] = positionals
      const dataDir = values['data-dir'] as string | undefined
      const env = (values.env as string | undefined) ?? null
      switch (action) {
        case 'set': {
          const [name, ...pairs] = args
          if (!name || pairs.length === 0)
            throw new UsageError(
              'secrets set: give a name and at least one field, e.g. secrets set crm apiKey=- (reads the value from standard input)',
            )
          const fields: Record<string, string> = {}
          for (const pair of pairs) {
            const eq = pair.indexOf('=')
            if (eq <= 0) throw new UsageError(`secrets set: "${pair}" is not field=value`)
            const field = pair.slice(0, eq)
            let value = pair.slice(eq + 1)
            if (value === '-')
              value = (await (ctx.readStdin ?? (() => text(process.stdin)))()).replace(/\r?\n$/, '')
            fields[field] = value
          }
          return withSecrets(ctx, dataDir, (secrets) => {
            const saved = secrets.set(name, fields, env)
            io.out(
              `Saved secret ${saved.name} (${saved.fields.join(', ')}) for ${env ? `the environment ${env}` : 'every environment'}`,
            )
            return 0
          })
        }
        case 'list':
          if (args.length > 0)
            throw new UsageError(`secrets list: unexpected argument "${args[0]}"`)
          return withSecrets(
            ctx,
            dataDir,
            (secrets) => (printSecrets(secrets, values.json === true, io), 0),
          )
        case 'delete': {
          if (args.length !== 1) throw new UsageError('secrets delete: give the name of one secret')
          return withSecrets(ctx, dataDir, (secrets) => {
            secrets.delete(args[0]!, values.env === undefined ? undefined : env)
            io.out(`Deleted secret ${args[0]}${env ? ` from the environment ${env}` : ''}`)
            return 0
          })
        }
        case 'rename': {
          if (args.length !== 2)
            throw new UsageError('secrets rename: give the old and the new name')
          return withSecrets(ctx, dataDir, (secrets) => {
            secrets.rename(args[0]!, args[1]!)
            io.out(`Renamed secret ${args[0]} to ${args[1]}`)
            return 0
          })
        }
        default:
          throw new UsageError(
            'secrets: use "secrets set <name> <field>=<value>…", "secrets list", "secrets delete <name>" or "secrets rename <old> <new>" (each takes --env NAME and --data-dir)',
          )
      }
    },
  }
}

function parseVarValue(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function envCommand(ctx: SecretsCommandContext): CliCommand {
  return {
    options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    async handler(positionals, values, io) {
      const [action, name, ...pairs] = positionals
      const dataDir = values['data-dir'] as string | undefined
      return withSecrets(ctx, dataDir, (secrets) => {
        switch (action) {
          case 'list': {
            const list = secrets.environments()
            if (values.json) io.out(JSON.stringify(list, null, 2))
            else
              for (const e of list)
                io.out(
                  `${e.current ? '*' : ' '} ${e.name}\t${Object.entries(e.vars)
                    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                    .join(' ')}`,
                )
            return 0
          }
          case 'use':
            if (!name) throw new UsageError('env use: give the environment name')
            secrets.useEnvironment(name)
            io.out(`Runs and tests now use the environment ${name}`)
            return 0
          case 'set': {
            if (!name || pairs.length === 0)
              throw new UsageError(
                'env set: give an environment and at least one variable, e.g. env set production apiBase=https://api.example.com',
              )
            const vars = { ...(secrets.environments().find((e) => e.name === name)?.vars ?? {}) }
            for (const pair of pairs) {
              const eq = pair.indexOf('=')
              if (eq <= 0) throw new UsageError(`env set: "${pair}" is not name=value`)
              vars[pair.slice(0, eq)] = parseVarValue(pair.slice(eq + 1))
            }
            secrets.saveEnvironment(name, vars)
            io.out(`Saved ${pairs.length} variable(s) in ${name}`)
            return 0
          }
          case 'unset': {
            if (!name || pairs.length === 0)
              throw new UsageError('env unset: give an environment and the variables to remove')
            const vars = { ...(secrets.environments().find((e) => e.name === name)?.vars ?? {}) }
            for (const key of pairs) delete vars[key]
            secrets.saveEnvironment(name, vars)
            return 0
          }
          default:
            throw new UsageError(
              'env: use "env list", "env use <name>", "env set <name> <var>=<value>…" or "env unset <name> <var>…"',
            )
        }
      })
    },
  }
}
