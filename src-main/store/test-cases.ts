/** A flow's test cases (design §7), one row each in the order the flow lists them. */
import type { TestCase } from '../../src-shared/flow/types'
import type { Statements } from './statements'

export class TestCasesRepository {
  constructor(
    private readonly s: Statements,
    /** Throws not-found for an unknown flow (the flows repository knows flows). */
    private readonly requireFlow: (flowId: string) => void,
  ) {}

  list(flowId: string): TestCase[] {
    this.requireFlow(flowId)
    const rows = this.s
      .sql('SELECT content FROM test_cases WHERE flow_id = ? ORDER BY position')
      .pluck()
      .all(flowId) as string[]
    return rows.map((content) => JSON.parse(content) as TestCase)
  }

  /** Replaces all of the flow's test cases at once. */
  save(flowId: string, cases: TestCase[]): void {
    this.s.transaction(() => {
      this.requireFlow(flowId)
      this.write(flowId, cases)
    })
  }

  /** Replaces the cases inside the caller's transaction (a draft that carries `tests`). */
  write(flowId: string, cases: TestCase[]): void {
    this.s.sql('DELETE FROM test_cases WHERE flow_id = ?').run(flowId)
    const insert = this.s.sql(
      'INSERT INTO test_cases (flow_id, position, name, content) VALUES (?, ?, ?, ?)',
    )
    cases.forEach((c, i) => {
      const name = typeof c.name === 'string' && c.name ? c.name : `Case ${i + 1}`
      insert.run(flowId, i, name, JSON.stringify(c))
    })
  }

  /** Gives `toFlowId` a copy of `fromFlowId`'s cases (duplicating a flow). */
  copy(fromFlowId: string, toFlowId: string): void {
    this.s
      .sql(
        `INSERT INTO test_cases (flow_id, position, name, content)
         SELECT ?, position, name, content FROM test_cases WHERE flow_id = ?`,
      )
      .run(toFlowId, fromFlowId)
  }
}
