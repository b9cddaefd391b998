/**
 * Test runs as background jobs in the main process: the renderer starts one, hears its
 * progress (TestJobEvents: a case started, a case finished, the job finished, and each case's
 * node progress), fetches its status once on (re)connect, and may cancel it. Cases run one after another, yielding between them so
 * the API stays responsive while a thousand cases run.
 */
import { randomUUID } from 'node:crypto'
import { ApiFailure } from '../../src-shared/api/result'
import type { EngineEvent, ExecutionReport } from '../../src-shared/engine/report'
import type { Flow, TestCase } from '../../src-shared/flow/types'
import type { PluginSource } from '../engine/load'
import type { FlowCoverage } from '../../src-shared/testing/coverage'
import { CoverageRecorder } from './coverage'
import type { CaseResult } from './expectations'
import { runTests } from './run-tests'
import type { RunEnvironment } from '../../src-shared/engine/environment'
import type { EventSink } from '../../src-shared/api/events'
import { runProgressOf } from '../../src-shared/api/events'

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
    /** Where progress goes (the app's event hub). */
    private readonly events?: EventSink,
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
    const { jobId, flowId } = job.status
    // Node progress costs an event per node: only when someone listens as the job starts.
    const events = this.events?.listening ? this.events : null
    let caseProgress: ((event: EngineEvent) => void) | null = null
    const suite = await runTests(flow, cases, {
      coverage,
      plugins: this.plugins,
      resolveFlow: this.resolveFlow,
      environment: this.environment,
      signal: job.abort.signal,
      keepReports: true,
      only,
      onCaseStart: events
        ? (index, name) => {
            caseProgress = runProgressOf(flowId, { kind: 'test', jobId, index }, (progress) =>
              events.emit('runProgress', progress),
            )
            events.emit('testProgress', { type: 'caseStarted', jobId, flowId, index, name })
          }
        : undefined,
      onEvent: events ? (_index, event) => caseProgress?.(event) : undefined,
      onCase: (result, done) => {
        if (result.report) job.reports.set(result.index, result.report)
        const { report: _report, ...summary } = result
        job.status.cases.push(summary)
        job.status.done = done
        if (result.passed) job.status.passed++
        else job.status.failed++
        events?.emit('testProgress', {
          type: 'caseFinished',
          jobId,
          flowId,
          case: summary,
          done,
          total: job.status.total,
          passed: job.status.passed,
          failed: job.status.failed,
        })
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
    // Told even when nobody listened at the start: a window that connected meanwhile learns it ended.
    this.events?.emit('testProgress', {
      type: 'jobFinished',
      jobId,
      status: { ...job.status, cases: [] },
    })
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
