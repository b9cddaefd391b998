/**
 * Attack (or accident): two `flowbench serve` processes — or serve and the app's local
 * runner — on one data directory both work the journal. 4,000 events gave 6,559 runs and lost
 * profile updates. Now a data directory has one runner: the second refuses to start and names
 * the holder's pid; the lock dies with its process, so a SIGKILLed holder never blocks the
 * next start.
 */
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { PluginRegistry } from '../../src-main/plugins-host/registry'
import { LocalRunner } from '../../src-main/runtime/local-runner'
import { serve } from '../../src-main/runtime/serve'
import { RunnerBusyError } from '../../src-main/store/runner-lock'
import { Store } from '../../src-main/store/store'
import { repoRoot } from '../fixtures/flows'
import { healthzMs, startServeProcess, tempDir } from './serve-helpers'

const flowsDir = path.join(repoRoot, 'test/fixtures/serve')

describe('one runner per data directory', () => {
  it('refuses a second serve process, naming the first one’s pid; the first keeps serving', async () => {
    const dataDir = tempDir('fb-sec-lock-')
    const first = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
    try {
      const port = await first.ready
      const second = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
      const { code, stderr } = await second.exited
      expect(code).toBe(2)
      const lines = stderr.trim().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`pid ${first.child.pid}`)
      expect(lines[0]).toContain('flowbench serve')
      expect(await healthzMs(port)).toBeLessThan(1000) // still up and answering
    } finally {
      first.child.kill('SIGTERM')
      await first.exited
    }
  }, 60000)

  it('starts after a SIGKILLed holder: the lock cannot go stale', async () => {
    const dataDir = tempDir('fb-sec-lock-kill-')
    const first = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
    await first.ready
    first.child.kill('SIGKILL')
    await first.exited
    const next = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
    try {
      const port = await next.ready
      expect(await healthzMs(port)).toBeLessThan(1000)
    } finally {
      next.child.kill('SIGTERM')
      await next.exited
    }
  }, 60000)

  it('refuses the app’s local runner while serve runs the directory, and the other way round', async () => {
    const dataDir = tempDir('fb-sec-lock-app-')
    const served = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
    const store = Store.open(dataDir)
    const registry = PluginRegistry.withBuiltins()
    const runner = new LocalRunner(store, registry)
    try {
      await served.ready
      const refused = await runner.start().catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(RunnerBusyError)
      expect((refused as Error).message).toContain(`pid ${served.child.pid}`)
      expect(runner.status().running).toBe(false)
    } finally {
      served.child.kill('SIGTERM')
      await served.exited
    }
    try {
      // The holder stopped cleanly: the app may run the directory now, and serve may not.
      expect((await runner.start()).running).toBe(true)
      const second = startServeProcess([flowsDir, '--port', '0', '--data-dir', dataDir])
      const { code, stderr } = await second.exited
      expect(code).toBe(2)
      expect(stderr).toContain(`pid ${process.pid}`)
      expect(stderr).toContain('the Flowbench app')
      // And in one process: a second serve() on the same directory is refused too.
      await expect(
        serve({ flows: [], store, plugins: registry, port: 0, log: () => {} }),
      ).rejects.toThrow(RunnerBusyError)
    } finally {
      await runner.stop()
      store.close()
    }
  }, 60000)
})
