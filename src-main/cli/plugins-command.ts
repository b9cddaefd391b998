/** `flowbench plugins list|install <folder|file.tgz>|remove <id> [--json]`. */
import path from 'node:path'
import { PluginRefusedError } from '../plugins-host/registry'
import type { CliContext } from './context'
import { formatPluginList } from './format'
import type { CliCommand } from './usage'
import { UsageError } from './usage'

export function pluginsCommand(ctx: CliContext): CliCommand {
  return {
    options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
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
            `plugins ${action}: missing ${action === 'install' ? 'the plugin folder or .tgz' : 'the plugin id'}`,
          )
        try {
          if (action === 'install') {
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
        `plugins: use "plugins list", "plugins install <folder|file.tgz>" or "plugins remove <id>"`,
      )
    },
  }
}
