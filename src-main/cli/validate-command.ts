/** `flowbench validate <flow.json> [--json]`: problems with codes, nodes and paths; exit 1 on errors. */
import { hasErrors, validateFlow } from '../../src-shared/flow/validate'
import { readJsonFile } from '../flow-files'
import type { CliContext } from './context'
import { onePositional } from './context'
import { formatProblems } from './format'
import type { CliCommand } from './usage'

export function validateCommand(ctx: CliContext): CliCommand {
  return {
    options: { json: { type: 'boolean' }, 'data-dir': { type: 'string' } },
    async handler(positionals, values, io) {
      const file = onePositional('validate', positionals, 'the flow file')
      const flow = await readJsonFile(file)
      const problems = validateFlow(flow, { plugins: ctx.registry })
      if (values.json)
        io.out(JSON.stringify({ file, valid: !hasErrors(problems), problems }, null, 2))
      else io.out(formatProblems(file, problems))
      return hasErrors(problems) ? 1 : 0
    },
  }
}
