/**
 * What the desktop host asks of its window (menu items, files handed over by a second launch or by
 * the OS), queued until the renderer asks for the next one (`host.nextCommand`, a long poll through
 * the API contract, so the preload still exposes exactly the contract and nothing else).
 */
import path from 'node:path'
import type { HostCommand } from '../../src-shared/api/contract'
import type { FileService } from './file-service'
import { kindOfPath } from './file-service'

export class HostCommands {
  private readonly queue: HostCommand[] = []
  private waiter: ((command: HostCommand | null) => void) | null = null

  push(command: HostCommand): void {
    if (this.waiter) {
      const waiter = this.waiter
      this.waiter = null
      waiter(command)
    } else this.queue.push(command)
  }

  /** The next command; an earlier wait still pending (a reloaded window's) is answered null. */
  next(): Promise<HostCommand | null> {
    const queued = this.queue.shift()
    if (queued) return Promise.resolve(queued)
    this.waiter?.(null)
    return new Promise((resolve) => (this.waiter = resolve))
  }

  /** Answers a pending wait with null, so nothing hangs when the app quits. */
  close(): void {
    this.waiter?.(null)
    this.waiter = null
  }
}

/**
 * The flow and bundle files named on a command line (the OS's "open with", a file association, a
 * second launch), absolute against the launch's working directory. Flags and the executable are
 * not files we open, and neither is anything without our extensions.
 */
export function filesInArgv(argv: readonly string[], cwd: string): string[] {
  return argv
    .filter(
      (arg) =>
        !arg.startsWith('-') &&
        (arg.toLowerCase().endsWith('.flow.json') || kindOfPath(arg) === 'bundle'),
    )
    .map((arg) => path.resolve(cwd, arg))
}

/**
 * Opens each file and hands it to the window as an `open-file` command. Answers the reasons for
 * the files that could not be read, for main to show.
 */
export async function handOverFiles(
  files: readonly string[],
  services: { files: FileService; commands: HostCommands },
): Promise<string[]> {
  const problems: string[] = []
  for (const file of files) {
    try {
      services.commands.push({ command: 'open-file', file: await services.files.openPath(file) })
    } catch (error) {
      problems.push((error as Error).message)
    }
  }
  return problems
}
