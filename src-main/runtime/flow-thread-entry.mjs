// The entry of a serve flow thread (Piscina loads it; see flow-threads.ts). Threads do not inherit
// the TypeScript loader the main thread registered through tsx's API, so each registers its own.
import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'
import { workerData } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import { register } from 'tsx/esm/api'

// Below the main thread, which acknowledges events: when flows keep every core busy, answers
// still come first. Linux only (a thread's own id); elsewhere threads keep the process's priority.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 5)
} catch {
  // No /proc/thread-self: leave the priority as it is.
}

register({ tsconfig: fileURLToPath(new URL('../../tsconfig.node.json', import.meta.url)) })
const { createFlowThread } = await import('./flow-thread.ts')

export default await createFlowThread(workerData)
