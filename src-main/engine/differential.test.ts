import { readFileSync } from 'node:fs'
import path from 'node:path'
import { gunzipSync, strFromU8 } from 'fflate'
import { describe, expect, it } from 'vitest'
import { repoRoot } from '../../test/fixtures/flows'
import {
  CASE_COUNT,
  differentialRegistry,
  generateCases,
  runCase,
} from '../../test/fixtures/differential/cases'

/**
 * The engine gives the same reports (apart from times and ids) as the engine before its
 * rewrite into a run plan, for 1,000 generated flows with two events each.
 */
describe('differential: generated flows against the recorded reports', () => {
  it('gives the recorded report for every case', async () => {
    const golden = strFromU8(
      gunzipSync(readFileSync(path.join(repoRoot, 'test/fixtures/differential/golden.ndjson.gz'))),
    )
      .trimEnd()
      .split('\n')
    expect(golden).toHaveLength(CASE_COUNT)
    const registry = differentialRegistry()
    const cases = generateCases(registry)
    let mismatches = 0
    for (let i = 0; i < cases.length; i++) {
      const actual = JSON.parse(JSON.stringify(await runCase(cases[i]!, registry))) as unknown
      const expected = JSON.parse(golden[i]!) as unknown
      // One readable diff (with the flow that produced it) rather than a thousand.
      if (mismatches === 0)
        expect({ case: i, flow: cases[i]!.flow, outcome: actual }).toEqual({
          case: i,
          flow: cases[i]!.flow,
          outcome: expected,
        })
      if (JSON.stringify(actual) !== golden[i]) mismatches++
    }
    expect(mismatches).toBe(0)
  }, 60_000)
})
