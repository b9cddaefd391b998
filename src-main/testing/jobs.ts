/**
 * Test runs as background jobs in the main process: the renderer starts one, polls its
 * progress and results, and may cancel it. Cases run one after another, yielding between them so
 * the API stays responsive while a thousand cases run.
 */
import { randomUUID } from 'node:crypto'
import { ApiFailure } from '../../src-shared/api/result'
import type { ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import type { PluginSource } from '../engine/load'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { CoverageRecorder } from './coverage'
import type { CaseResult } from './expectations'
import { runTests } from './run-tests'
import type { RunEnvironment } from '../../src-shared/engine/environment'

export interface JobStatus {
  jobId: string
  flowId: string
  done: number
  total: number
  finished: boolean
  cancelled: boolean
  passed: number
  failed: number
  durationMs: number
  error: string | null
  cases: Omit<CaseResult, 'report'>[]
  coverage: FlowCoverage | null
}

interface Job {
  status: JobStatus
  reports: Map<number, ExecutionReport>
  abort: AbortController
}

const KEEP_JOBS = 5

export class TestJobs {
  private readonly jobs = new Map<string, Job>()

  constructor(
    private readonly plugins: PluginSource,
    private readonly resolveFlow: (flowId: string) => Flow | undefined,
    /** The environment test runs read (the app's current one). */
    private readonly environment?: () => RunEnvironment,
  ) {}

  start(flow: Flow, cases: TestCase[], only?: number[]): { jobId: string; total: number } {
    const jobId = randomUUID()
    const total = only ? only.filter((i) => i >= 0 && i < cases.length).length : cases.length
    const job: Job = {
      status: {
        jobId,
        flowId: String(flow.id),
        done: 0,
        total,
        finished: false,
        cancelled: false,
        passed: 0,
        failed: 0,
        durationMs: 0,
        error: null,
        cases: [],
        coverage: null,
      },
      reports: new Map(),
      abort: new AbortController(),
    }
    this.jobs.set(jobId, job)
    for (const old of [...this.jobs.keys()].slice(0, Math.max(0, this.jobs.size - KEEP_JOBS)))
      this.jobs.delete(old)
    void this.execute(job, flow, cases, only)
    return { jobId, total }
  }

  private async execute(job: Job, flow: Flow, cases: TestCase[], only?: number[]): Promise<void> {
    const coverage = new CoverageRecorder(this.plugins)
    const suite = await runTests(flow, cases, {
      coverage,
      plugins: this.plugins,
      resolveFlow: this.resolveFlow,
      environment: this.environment,
      signal: job.abort.signal,
      keepReports: true,
      only,
      onCase: (result, done) => {
        if (result.report) job.reports.set(result.index, result.report)
        const { report: _report, ...summary } = result
        job.status.cases.push(summary)
        job.status.done = done
        if (result.passed) job.status.passed++
        else job.status.failed++
      },
    }).catch((error: unknown) => {
      job.status.error = (error as Error).message
      return null
    })
    if (suite?.error) job.status.error = suite.error
    if (suite && job.status.cases.length === 0 && suite.cases.length > 0) {
      for (const c of suite.cases) {
        const { report: _report, ...summary } = c
        job.status.cases.push(summary)
      }
      job.status.failed = suite.failed
      job.status.done = suite.cases.length
    }
    job.status.durationMs = suite?.durationMs ?? 0
    job.status.cancelled = job.abort.signal.aborted
    job.status.coverage = coverage.coverage(String(flow.id)) ?? null
    job.status.finished = true
  }

  status(jobId: string, since = 0): JobStatus {
    const job = this.jobs.get(jobId)
    if (!job)
      throw new ApiFailure(
        'not-found',
        `Test run ${jobId} was not found (only the last ${KEEP_JOBS} are kept)`,
      )
    return { ...job.status, cases: job.status.cases.slice(since) }
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId)
    if (!job || job.status.finished) return false
    job.abort.abort()
    return true
  }

  report(jobId: string, index: number): ExecutionReport {
    const job = this.jobs.get(jobId)
    const report = job?.reports.get(index)
    if (!report)
      throw new ApiFailure('not-found', `No report for case ${index} of test run ${jobId}`)
    return report
  }
}
