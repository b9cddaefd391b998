/**
 * The CLI's bundle commands: `export` (optionally `--sign`), `import` (plugin code only with
 * `--trust-plugins` or a `--require-signature` key), and `keys create` for signing keys. Also
 * how `run`/`test` get the plugins of a bundle file: installed ones, or the bundle's own code
 * for this one process when the user gives `--trust-plugins`.
 */
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import type { Flow } from '../../src-shared/flow/types'
import type { BundledPlugin, BundleFlow, ReadBundle } from '../bundles/bundle'
import { BundleError, createBundle, readBundle } from '../bundles/bundle'
import { importBundle, planImport, UntrustedPluginsError } from '../bundles/import'
import { createKeyPair, SignatureError, verifyManifest } from '../bundles/signing'
import { FileInputError, readJsonFile } from '../flow-files'
import { PluginInstaller } from '../plugins-host/installer'
import { PluginRefusedError } from '../plugins-host/registry'
import type { PluginRegistry } from '../plugins-host/registry'
import type { Store } from '../store/store'
import { APP_VERSION } from '../version'
import { formatBundlePlugins, formatProblems } from './format'
import type { CliCommand, Output } from './usage'
import { UsageError } from './usage'

export interface BundleCommandContext {
  registry: PluginRegistry
  installer: PluginInstaller
  /** The data directory's store for `import` (flag, environment or default). */
  openStore: (dataDir: string | undefined) => Store
}

/** A bundle read and checked; a bad one is unreadable input (exit 2) with the reason. */
export async function readBundleFile(file: string, plugins: PluginRegistry): Promise<ReadBundle> {
  let data: Uint8Array
  try {
    data = await readFile(file)
  } catch (error) {
    throw new FileInputError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message})`,
    )
  }
  try {
    return readBundle(data, plugins)
  } catch (error) {
    if (error instanceof BundleError) throw new FileInputError(`${file}: ${error.message}`)
    throw error
  }
}

async function readKeyFile(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new FileInputError(
      `${file}: cannot read the ${what} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    )
  }
}

export function exportCommand(ctx: BundleCommandContext): CliCommand {
  return {
    options: {
      output: { type: 'string', short: 'o' },
      sign: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
    },
    async handler(positionals, values, io) {
      if (positionals.length === 0) throw new UsageError('export: name the flow files to bundle')
      const out = values.output as string | undefined
      if (!out) throw new UsageError('export: give the bundle file with -o <file.flowbundle>')
      const signWith = values.sign
        ? await readKeyFile(values.sign as string, 'signing key')
        : undefined
      const flows: BundleFlow[] = []
      for (const file of positionals) {
        const flow = (await readJsonFile(file)) as Flow
        const problems = validateFlow(flow, { plugins: ctx.registry })
        if (hasErrors(problems)) {
          io.out(formatProblems(file, problems))
          io.err(`flowbench: export refused: ${file} has errors`)
          return 1
        }
        flows.push({ flow, revision: null })
      }
      const userPlugins = new Map<string, BundledPlugin>()
      for (const p of ctx.installer.list()) {
        const files = await ctx.installer.filesOf(p.id)
        if (files) userPlugins.set(p.id, files)
      }
      let data: Uint8Array
      try {
        data = createBundle(flows, {
          appVersion: APP_VERSION,
          plugins: ctx.registry,
          pluginFiles: (id) => userPlugins.get(id),
          signWith,
        })
      } catch (error) {
        if (error instanceof BundleError || error instanceof SignatureError)
          throw new UsageError(`export: ${error.message}`)
        throw error
      }
      const temp = `${out}.tmp-${process.pid}`
      await writeFile(temp, data)
      await rename(temp, out)
      io.out(
        values.json
          ? JSON.stringify({
              file: out,
              flows: flows.map((f) => f.flow.id),
              bytes: data.length,
              signed: !!signWith,
            })
          : `Wrote ${out} (${flows.length} flow${flows.length === 1 ? '' : 's'}, ${data.length} bytes${signWith ? ', signed' : ''})`,
      )
      return 0
    },
  }
}

export function importCommand(ctx: BundleCommandContext): CliCommand {
  return {
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'trust-plugins': { type: 'boolean' },
      'require-signature': { type: 'string' },
    },
    async handler(positionals, values, io) {
      const file = positionals[0]
      if (!file) throw new UsageError('import: missing the .flowbundle file. See flowbench --help')
      if (positionals.length > 1)
        throw new UsageError(`import: unexpected argument "${positionals[1]}"`)
      const bundle = await readBundleFile(file, ctx.registry)
      let trustPlugins = values['trust-plugins'] === true
      if (values['require-signature']) {
        const publicKey = await readKeyFile(values['require-signature'] as string, 'public key')
        try {
          verifyManifest(bundle.manifestBytes, bundle.signatureBytes, publicKey)
        } catch (error) {
          if (!(error instanceof SignatureError)) throw error
          io.err(`flowbench: import refused: ${file}: ${error.message}. Nothing was written`)
          return 1
        }
        // The user named the key they trust; what it signed, plugin code included, is trusted.
        trustPlugins = true
      }
      let plan
      try {
        plan = planImport(bundle, ctx)
      } catch (error) {
        if (error instanceof BundleError) throw new FileInputError(`${file}: ${error.message}`)
        throw error
      }
      if (plan.plugins.length > 0 && !values.json) io.out(formatBundlePlugins(plan.plugins))
      if (plan.needsTrust && !trustPlugins) {
        const missing = plan.plugins.filter((p) => p.action !== 'keep')
        if (values.json)
          io.out(JSON.stringify({ imported: false, reason: 'untrusted-plugins', plugins: missing }))
        io.err(
          `flowbench: import refused: ${file} carries plugin code that is not installed here ` +
            `(${missing.map((p) => `${p.id}@${p.version}`).join(', ')}). Nothing was written. ` +
            `If you trust it, run: flowbench import ${file} --trust-plugins`,
        )
        return 1
      }
      const store = ctx.openStore(values['data-dir'] as string | undefined)
      try {
        const result = await importBundle(bundle, {
          store,
          installer: ctx.installer,
          registry: ctx.registry,
          trustPlugins,
        }).catch((error: unknown) => {
          if (error instanceof UntrustedPluginsError) throw error
          if (error instanceof BundleError) throw new FileInputError(`${file}: ${error.message}`)
          throw error
        })
        io.out(
          values.json
            ? JSON.stringify(result)
            : [
                ...result.plugins.map((id) => `Installed plugin ${id} from the bundle`),
                ...result.flows.map((f) => `Imported ${f.id} as production revision ${f.revision}`),
              ].join('\n'),
        )
        return 0
      } finally {
        store.close()
      }
    },
  }
}

export function keysCommand(): CliCommand {
  return {
    options: { out: { type: 'string' }, json: { type: 'boolean' } },
    async handler(positionals, values, io) {
      const [action, ...extra] = positionals
      if (action !== 'create') throw new UsageError('keys: use "keys create [--out <dir>]"')
      if (extra.length > 0) throw new UsageError(`keys: unexpected argument "${extra[0]}"`)
      const dir = path.resolve((values.out as string | undefined) ?? '.')
      await mkdir(dir, { recursive: true })
      const privateFile = path.join(dir, 'flowbench-signing.key')
      const publicFile = path.join(dir, 'flowbench-signing.pub')
      const pair = createKeyPair()
      try {
        // `wx`: never overwrite a key someone may already sign with; 0600: the key is the signer's alone.
        await writeFile(privateFile, pair.privateKeyPem, { mode: 0o600, flag: 'wx' })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new UsageError(`keys: ${privateFile} exists already; give another --out folder`)
        throw error
      }
      await chmod(privateFile, 0o600)
      await writeFile(publicFile, pair.publicKeyPem)
      io.out(
        values.json
          ? JSON.stringify({
              privateKey: privateFile,
              publicKey: publicFile,
              fingerprint: pair.fingerprint,
            })
          : [
              `Wrote the private key ${privateFile} (keep it secret: sign with flowbench export … --sign ${privateFile})`,
              `Wrote the public key ${publicFile} (share it: flowbench import <file> --require-signature ${publicFile})`,
              `Fingerprint ${pair.fingerprint}`,
            ].join('\n'),
      )
      return 0
    },
  }
}

/**
 * Makes the plugins a bundle file needs available to `run`/`test` in this process. Installed
 * plugins at the same version are used; otherwise the bundle's code is loaded, from a
 * temporary folder and for this process only, when the user gave --trust-plugins. Without it,
 * nothing of the bundle runs and the command is refused naming the plugins.
 */
export async function useBundlePlugins(
  command: string,
  bundle: ReadBundle,
  ctx: {
    registry: PluginRegistry
    installer: PluginInstaller
    trustPlugins: boolean
    io: Output
    /** Keep the code's folder until the process exits (serve's flow threads load it too). */
    keepFiles?: boolean
  },
): Promise<void> {
  const missing = bundle.plugins.filter((p) => ctx.installer.installedVersion(p.id) !== p.version)
  if (missing.length === 0) return
  if (!ctx.trustPlugins) {
    ctx.io.out(formatBundlePlugins(planImport(bundle, ctx).plugins))
    throw new UsageError(
      `${command}: the bundle carries plugin code that is not installed here (${missing.map((p) => `${p.id}@${p.version}`).join(', ')}); ` +
        'give --trust-plugins to load it for this command',
    )
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), 'flowbench-bundle-plugins-'))
  // A throwaway installer over a temporary folder: the data directory is not touched.
  const temporary = new PluginInstaller({ pluginsDir: dir, registry: ctx.registry })
  try {
    const pending = await temporary.installBundled(missing)
    await pending.commit()
  } catch (error) {
    if (error instanceof PluginRefusedError)
      throw new FileInputError(`${command}: ${error.message}`)
    throw error
  } finally {
    // The modules are loaded by now; the folder was only their way in.
    if (ctx.keepFiles) process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
    else await rm(dir, { recursive: true, force: true })
  }
}
