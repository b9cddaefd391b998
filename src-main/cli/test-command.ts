/** `flowbench test <flow.json|bundle|dir> [--junit <file>] [--json] [--env NAME]`: the flows' own test cases. */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Flow } from '../../src-shared/flow/types'
import { findFlowFiles, readJsonFile, siblingFlowResolver } from '../flow-files'
import { toJUnitXml } from '../testing/junit'
import type { SuiteResult } from '../testing/run-tests'
import { runTests } from '../testing/run-tests'
import { readBundleFile, useBundlePlugins } from './bundle-commands'
import type { CliContext } from './context'
import { onePositional } from './context'
import { formatSuites } from './format'
import type { CliCommand } from './usage'
import { UsageError } from './usage'

export function testCommand(ctx: CliContext): CliCommand {
  const { registry, installer } = ctx
  return {
    options: {
      junit: { type: 'string' },
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      'trust-plugins': { type: 'boolean' },
      env: { type: 'string' },
    },
    async handler(positionals, values, io) {
      const target = onePositional('test', positionals, 'a flow file, a bundle or a folder of flows')
      const suites: SuiteResult[] = []
      if (target.endsWith('.flowbundle')) {
        const bundle = await readBundleFile(target, registry)
        const trustPlugins = values['trust-plugins'] === true
        await useBundlePlugins('test', bundle, { registry, installer, trustPlugins, io })
        const byId = new Map(bundle.flows.map((f) => [f.flow.id, f.flow]))
        const environment = ctx.environmentFor(
          bundle.flows.map((f) => f.flow),
          values,
        )
        for (const { flow } of bundle.flows) {
          suites.push(
            await runTests(flow, flow.tests ?? [], {
              plugins: registry,
              resolveFlow: (id) => byId.get(id),
              environment,
            }),
          )
        }
      }
      const files = target.endsWith('.flowbundle') ? [] : await findFlowFiles(target)
      if (files.length === 0 && suites.length === 0) {
        throw new UsageError(`test: no flow files (*.flow.json or flow.json) in ${target}`)
      }
      for (const file of files) {
        const flow = (await readJsonFile(file)) as Flow
        const cases = Array.isArray(flow?.tests) ? flow.tests : []
        const siblings = siblingFlowResolver(path.dirname(path.resolve(file)))
        const environment = ctx.environmentFor([flow], values)
        suites.push(
          await runTests(flow, cases, { plugins: registry, resolveFlow: siblings, environment }),
        )
      }
      if (values.junit) await writeFile(values.junit as string, toJUnitXml(suites))
      const passed = suites.reduce((n, s) => n + s.passed, 0)
      const failed = suites.reduce((n, s) => n + s.failed, 0)
      if (values.json) io.out(JSON.stringify({ passed, failed, suites }, null, 2))
      else io.out(formatSuites(suites, passed, failed))
      return failed === 0 ? 0 : 1
    },
  }
}
