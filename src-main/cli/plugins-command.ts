/**
 * `flowbench plugins list | install <folder|file.tgz|package[@version]> | remove <id>`.
 *
 * A package name is fetched with the user's npm (src-main/plugins-host/npm-fetch.ts), shown with
 * its version, size and the registry's integrity hash, and installed only with --yes (or
 * --trust-plugins, the consent a bundle's plugins need): it is code that runs with the user's
 * rights. A folder or tarball the user names on disk is installed as before.
 */
import { existsSync } from 'node:fs'
import path from 'node:path'
import type { PluginInstaller } from '../plugins-host/installer'
import { fetchPackage, PackageFetchError, parsePackageSpec } from '../plugins-host/npm-fetch'
import type { PluginRegistry } from '../plugins-host/registry'
import { PluginRefusedError } from '../plugins-host/registry'
import { formatPluginList } from './format'
import type { CliCommand, Output } from './usage'
import { UsageError } from './usage'

export interface PluginsCommandContext {
  registry: PluginRegistry
  installer: PluginInstaller
  /** The environment npm runs with (registry, proxy and auth settings). */
  env: NodeJS.ProcessEnv
}

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`
}

async function installByName(
  ctx: PluginsCommandContext,
  spec: string,
  values: Record<string, unknown>,
  io: Output,
): Promise<number> {
  let fetched
  try {
    fetched = await fetchPackage(spec, { env: ctx.env })
  } catch (error) {
    if (!(error instanceof PackageFetchError)) throw error
    io.err(`flowbench: plugins install ${spec}: ${error.message}`)
    return 1
  }
  try {
    const pkg = {
      name: fetched.name,
      version: fetched.version,
      size: fetched.size,
      integrity: fetched.integrity,
    }
    if (!values.json) io.out(`${pkg.name}@${pkg.version}  ${kib(pkg.size)}  ${pkg.integrity}`)
    if (values.yes !== true && values['trust-plugins'] !== true) {
      if (values.json)
        io.out(JSON.stringify({ installed: false, reason: 'needs-consent', package: pkg }))
      io.err(
        `flowbench: plugins install refused: ${pkg.name}@${pkg.version} is plugin code that would run with your rights. ` +
          `Nothing was written. If you trust it, run: flowbench plugins install ${spec} --yes`,
      )
      return 1
    }
    const installed = await ctx.installer.install(fetched.file)
    io.out(
      values.json
        ? JSON.stringify({ installed: true, ...installed, package: pkg })
        : `Installed ${installed.id}@${installed.version} (${installed.name}) from ${pkg.name}@${pkg.version}`,
    )
    return 0
  } finally {
    await fetched.cleanup()
  }
}

export function pluginsCommand(ctx: PluginsCommandContext): CliCommand {
  return {
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      yes: { type: 'boolean' },
      'trust-plugins': { type: 'boolean' },
    },
    async handler(positionals, values, io) {
      const [action, target, ...extra] = positionals
      if (extra.length > 0) throw new UsageError(`plugins: unexpected argument "${extra[0]}"`)
      if (action === 'list') {
        const list = ctx.registry.describe()
        if (values.json) io.out(JSON.stringify(list, null, 2))
        else io.out(formatPluginList(list))
        return 0
      }
      if (action === 'install' || action === 'remove') {
        if (!target)
          throw new UsageError(
            `plugins ${action}: missing ${action === 'install' ? 'the plugin folder, .tgz or package name' : 'the plugin id'}`,
          )
        try {
          if (action === 'install') {
            // A path on disk wins: `./my-plugin` and a package of the same name are told apart by existence.
            if (!existsSync(path.resolve(target)) && parsePackageSpec(target))
              return await installByName(ctx, target, values, io)
            const installed = await ctx.installer.install(path.resolve(target))
            io.out(
              values.json
                ? JSON.stringify(installed)
                : `Installed ${installed.id}@${installed.version} (${installed.name})`,
            )
          } else {
            await ctx.installer.remove(target)
            io.out(values.json ? JSON.stringify({ removed: target }) : `Removed ${target}`)
          }
          return 0
        } catch (error) {
          if (error instanceof PluginRefusedError) {
            io.err(`flowbench: ${error.message}`)
            return 1
          }
          throw error
        }
      }
      throw new UsageError(
        `plugins: use "plugins list", "plugins install <folder|file.tgz|package[@version]>" or "plugins remove <id>"`,
      )
    },
  }
}
