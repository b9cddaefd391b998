/**
 * `flowbench test <flow.json|bundle|dir> [--junit <file>] [--json] [--env NAME]`: the flows' own
 * test cases. `--coverage` prints what the cases reached per flow, `--coverage-json <file>` writes
 * it, and `--min-coverage <pct>` exits 1 when any flow's node, port or branch coverage is below.
 */
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Flow } from '../../src-shared/flow/types'
import { findFlowFiles, readJsonFile, siblingFlowResolver } from '../flow-files'
import { lowestPercent } from '../../src-shared/testing/coverage'
import { CoverageRecorder } from '../testing/coverage'
import { toJUnitXml } from '../testing/junit'
import type { SuiteResult } from '../testing/run-tests'
import { runTests } from '../testing/run-tests'
import { readBundleFile, useBundlePlugins } from './bundle-commands'
import type { CliContext } from './context'
import { onePositional } from './context'
import { formatCoverage, formatSuites } from './format'
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
      coverage: { type: 'boolean' },
      'coverage-json': { type: 'string' },
      'min-coverage': { type: 'string' },
    },
    async handler(positionals, values, io) {
      const target = onePositional(
        'test',
        positionals,
        'a flow file, a bundle or a folder of flows',
      )
      const minCoverage = minCoverageOf(values['min-coverage'])
      const wantsCoverage =
        values.coverage === true || values['coverage-json'] !== undefined || minCoverage !== null
      const coverage = wantsCoverage ? new CoverageRecorder(registry) : undefined
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
              coverage,
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
          await runTests(flow, cases, {
            plugins: registry,
            resolveFlow: siblings,
            environment,
            coverage,
          }),
        )
      }
      const flows = coverage?.all() ?? []
      if (values.junit) await writeFile(values.junit as string, toJUnitXml(suites, flows))
      if (values['coverage-json']) {
        await writeFile(
          values['coverage-json'] as string,
          JSON.stringify({ flows }, null, 2) + '\n',
        )
      }
      const passed = suites.reduce((n, s) => n + s.passed, 0)
      const failed = suites.reduce((n, s) => n + s.failed, 0)
      const below = minCoverage === null ? [] : flows.filter((c) => lowestPercent(c) < minCoverage)
      if (values.json) {
        io.out(
          JSON.stringify(
            { passed, failed, suites, ...(coverage ? { coverage: flows } : {}) },
            null,
            2,
          ),
        )
      } else {
        io.out(formatSuites(suites, passed, failed))
        if (values.coverage === true) io.out(formatCoverage(flows))
        for (const c of below) {
          io.out(
            `Coverage of ${c.flowId} is below ${minCoverage}%: nodes ${c.nodes.percent}%, ports ${c.ports.percent}%, branches ${c.branches.percent}%`,
          )
        }
      }
      return failed === 0 && below.length === 0 ? 0 : 1
    },
  }
}

function minCoverageOf(value: unknown): number | null {
  if (value === undefined) return null
  const text = String(value).replace(/%$/, '')
  const pct = Number(text)
  if (text.trim() === '' || !Number.isFinite(pct) || pct < 0 || pct > 100) {
    throw new UsageError(
      `test: --min-coverage must be a percentage from 0 to 100, got "${String(value)}"`,
    )
  }
  return pct
}
