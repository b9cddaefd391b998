/** Human-readable output of the CLI. `--json` prints the data itself instead. */
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Problem } from '../../src-shared/flow/types'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import type { SuiteResult } from '../testing/run-tests'
import type { ReplaySummary } from '../app/replay'
import type { EventsSummary } from './run-events'

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => (row[col] ?? '').length)))
  return rows
    .map((row) =>
      row
        .map((cell, col) => cell.padEnd(widths[col]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function ms(value: number): string {
  return value < 10 ? `${value.toFixed(2)} ms` : `${Math.round(value)} ms`
}

export function formatReport(report: ExecutionReport): string {
  const rows = [['#', 'NODE', 'PLUGIN', 'STATUS', 'PORT', 'TIME']]
  for (const node of report.nodes) {
    const ports = [...new Set(node.outputs.map((o) => o.port))].join(',')
    rows.push([
      String(node.sequence),
      node.label ? `${node.nodeId} (${node.label})` : node.nodeId,
      node.plugin,
      node.status + (node.attempts > 1 ? ` ×${node.attempts}` : ''),
      node.status === 'error' ? 'error' : ports || '-',
      node.status === 'skipped' ? '-' : ms(node.durationMs),
    ])
  }
  const lines = [`Flow ${report.flowId} — run ${report.runId}`, '', table(rows), '']
  for (const node of report.nodes) {
    for (const log of node.logs) lines.push(`  [${log.level}] ${node.nodeId}: ${log.message}`)
    if (node.error)
      lines.push(`  [error] ${node.nodeId}: ${node.error.message} (${node.error.code})`)
  }
  const changed = (['profile', 'session', 'event'] as const).filter(
    (k) => report.changes[k].length > 0,
  )
  if (changed.length > 0) {
    lines.push('Changes:')
    for (const kind of changed) {
      for (const change of report.changes[kind]) {
        const value = change.op === 'remove' ? '(removed)' : JSON.stringify(change.value)
        lines.push(`  ${kind}${change.path.replace(/\//g, '.')} = ${value}`)
      }
    }
  }
  lines.push(`${report.status.toUpperCase()} in ${ms(report.durationMs)}`)
  for (const error of report.errors)
    lines.push(
      `  ${error.nodeId ? `node "${error.nodeId}": ` : ''}${error.message} (${error.code})`,
    )
  return lines.join('\n')
}

export function formatProblems(file: string, problems: Problem[]): string {
  if (problems.length === 0) return `${file}: valid`
  const lines = problems.map((p) => {
    const where = [p.nodeId && `node "${p.nodeId}"`, p.edgeId && `edge "${p.edgeId}"`, p.path]
      .filter(Boolean)
      .join(' ')
    return `${p.severity === 'error' ? 'error  ' : 'warning'} ${p.code.padEnd(20)} ${where ? where + ': ' : ''}${p.message}`
  })
  const errors = problems.filter((p) => p.severity === 'error').length
  lines.push(
    `${file}: ${errors} error${errors === 1 ? '' : 's'}, ${problems.length - errors} warning${problems.length - errors === 1 ? '' : 's'}`,
  )
  return lines.join('\n')
}

export function formatSummary(summary: EventsSummary): string {
  const rows = [
    ['events', String(summary.events)],
    ['succeeded', String(summary.succeeded)],
    ['failed', String(summary.failed)],
    ['events/s', summary.eventsPerSecond.toLocaleString('en-US')],
    ['p50', ms(summary.p50Ms)],
    ['p99', ms(summary.p99Ms)],
  ]
  const lines = [table(rows)]
  for (const failure of summary.failures.slice(0, 20)) {
    const where = failure.line
      ? `event ${failure.index} (line ${failure.line})`
      : `event ${failure.index}`
    lines.push(`  ${where}: ${failure.errors.map((e) => e.message).join('; ')}`)
  }
  if (summary.failures.length > 20)
    lines.push(`  … and ${summary.failed - 20} more failures (use --json for the list)`)
  return lines.join('\n')
}

export function formatSuites(suites: SuiteResult[], passed: number, failed: number): string {
  const lines: string[] = []
  for (const suite of suites) {
    lines.push(`${suite.flowName} (${suite.flowId})`)
    if (suite.cases.length === 0) lines.push('  no test cases')
    for (const c of suite.cases) {
      lines.push(`  ${c.passed ? '✓' : '✗'} ${c.name} ${ms(c.durationMs)}`)
      if (c.error) lines.push(`      ${c.error}`)
      for (const u of c.unmet) {
        lines.push(`      ${u.message}`)
        lines.push(`        expected: ${JSON.stringify(u.expected)}`)
        lines.push(`        actual:   ${JSON.stringify(u.actual)}`)
      }
    }
  }
  lines.push(`${passed} passed, ${failed} failed`)
  return lines.join('\n')
}

function percentOf(figure: { covered: number; total: number; percent: number }): string {
  return `${figure.percent}% (${figure.covered}/${figure.total})`
}

/** The per-flow coverage table, each flow followed by what its runs never reached. */
export function formatCoverage(flows: FlowCoverage[]): string {
  const rows = [['FLOW', 'RUNS', 'NODES', 'PORTS', 'BRANCHES', 'EDGES']]
  for (const c of flows) {
    rows.push([
      c.flowId,
      String(c.runs),
      percentOf(c.nodes),
      percentOf(c.ports),
      percentOf(c.branches),
      percentOf(c.edges),
    ])
  }
  const lines = ['Coverage', table(rows)]
  for (const c of flows) {
    const missing = [
      ...c.nodes.uncovered.map((id) => `node ${id}`),
      // A branch outcome is also a port: list it once, as the branch.
      ...c.ports.uncovered
        .filter(
          (p) => !c.branches.uncovered.some((b) => b.nodeId === p.nodeId && b.port === p.port),
        )
        .map((p) => `port ${p.nodeId}.${p.port}`),
      ...c.branches.uncovered.map((b) => `branch ${b.nodeId}.${b.port}`),
    ]
    if (missing.length > 0) lines.push(`  ${c.flowId} never reached: ${missing.join(', ')}`)
  }
  return lines.join('\n')
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? 'nothing'
  return text.length > 120 ? `${text.slice(0, 117)}…` : text
}

/** Replay's groups of differences, biggest first, each with its example events. */
export function formatReplay(summary: ReplaySummary, against: string): string {
  const lines = [
    `Replayed ${summary.events} event${summary.events === 1 ? '' : 's'} through the draft and ${against}: ${summary.differing} behave${summary.differing === 1 ? 's' : ''} differently` +
      (summary.invalid ? ` (${summary.invalid} could not be read or run)` : ''),
    `Side effects answered from recorded runs: ${summary.answered.recorded}, mocked: ${summary.answered.mocked}; nothing was sent over the network.`,
  ]
  for (const group of summary.groups) {
    lines.push('', `${group.count} × ${group.flowId}: ${group.summary}`)
    for (const e of group.examples) {
      lines.push(
        `    event ${e.eventId} (#${e.index + 1}): ${against} ${short(e.production)} → draft ${short(e.draft)}`,
      )
    }
  }
  return lines.join('\n')
}

export function formatPluginList(
  plugins: { id: string; version: string; name: string; group: string; origin: string }[],
): string {
  const rows = [['ID', 'VERSION', 'NAME', 'GROUP', 'ORIGIN']]
  for (const p of plugins)
    rows.push([p.id, p.version, p.name, p.group, p.origin === 'builtin' ? 'built-in' : 'installed'])
  return table(rows)
}

/** The plugin code a bundle carries, as the user must see it before trusting it. */
export function formatBundlePlugins(
  plugins: {
    id: string
    version: string
    size: number
    sha256: string
    action: string
    installedVersion: string | null
  }[],
): string {
  const rows = [['PLUGIN', 'VERSION', 'SIZE', 'SHA256', 'HERE']]
  for (const p of plugins) {
    const here =
      p.action === 'keep'
        ? 'installed (kept)'
        : p.action === 'replace'
          ? `replaces ${p.installedVersion}`
          : 'not installed'
    rows.push([p.id, p.version, `${p.size} B`, p.sha256, here])
  }
  return [
    'The bundle carries plugin code (it runs with your rights once installed):',
    table(rows),
  ].join('\n')
}
