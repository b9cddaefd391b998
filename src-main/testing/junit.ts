/**
 * JUnit XML for CI systems: one testsuite per flow, one testcase per case; with coverage, each
 * testsuite carries its flow's figures as `coverage.*` properties (percentages).
 */
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import type { SuiteResult } from './run-tests'

// eslint-disable-next-line no-control-regex -- these are exactly the characters to remove
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g

function escapeXml(text: string): string {
  return (
    text
      .replace(
        /[<>&'"]/g,
        (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
      )
      // Characters XML 1.0 cannot carry at all.
      .replace(INVALID_XML_CHARS, '')
  )
}

function coverageProperties(coverage: FlowCoverage): string[] {
  const lines = ['    <properties>']
  for (const kind of ['nodes', 'ports', 'branches', 'edges'] as const) {
    const { percent, covered, total } = coverage[kind]
    lines.push(`      <property name="coverage.${kind}" value="${percent}"/>`)
    lines.push(`      <property name="coverage.${kind}.covered" value="${covered}/${total}"/>`)
  }
  lines.push('    </properties>')
  return lines
}

export function toJUnitXml(suites: SuiteResult[], coverage: FlowCoverage[] = []): string {
  const coverageOf = new Map(coverage.map((c) => [c.flowId, c]))
  const total = suites.reduce((n, s) => n + s.cases.length, 0)
  const failures = suites.reduce((n, s) => n + s.failed, 0)
  const time = (suites.reduce((n, s) => n + s.durationMs, 0) / 1000).toFixed(3)
  const lines = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="flowbench" tests="${total}" failures="${failures}" time="${time}">`,
  ]
  for (const suite of suites) {
    lines.push(
      `  <testsuite name="${escapeXml(suite.flowId)}" tests="${suite.cases.length}" failures="${suite.failed}" time="${(suite.durationMs / 1000).toFixed(3)}">`,
    )
    const flowCoverage = coverageOf.get(suite.flowId)
    if (flowCoverage) lines.push(...coverageProperties(flowCoverage))
    for (const c of suite.cases) {
      lines.push(
        `    <testcase classname="${escapeXml(suite.flowId)}" name="${escapeXml(c.name)}" time="${(c.durationMs / 1000).toFixed(3)}">`,
      )
      if (!c.passed) {
        const message = c.error ?? c.unmet.map((u) => u.message).join('; ')
        const detail =
          c.error ??
          c.unmet
            .map(
              (u) =>
                `${u.target}: expected ${JSON.stringify(u.expected)}, got ${JSON.stringify(u.actual)}`,
            )
            .join('\n')
        lines.push(
          `      <failure message="${escapeXml(message)}" type="${c.error ? 'error' : 'expectation'}">${escapeXml(detail)}</failure>`,
        )
      }
      lines.push('    </testcase>')
    }
    lines.push('  </testsuite>')
  }
  lines.push('</testsuites>')
  return lines.join('\n') + '\n'
}
