/**
 * What the cluster commands (`deploy`, `worker`, `serve --queue`) share: reading `--queue` and
 * `--database`, opening PostgreSQL and checking Redis with errors that name which server failed
 * (never its password), and reading `--secrets-file`.
 */
import { readFile } from 'node:fs/promises'
import { ClusterConnectionError, ClusterDatabase } from '../cluster/database'
import { checkRedis } from '../cluster/redis'
import { FileInputError } from '../flow-files'
import { parseDotenv, SecretsFileError } from '../runtime/serve-environment'
import { UsageError } from './usage'

export async function openClusterDatabase(
  command: string,
  url: string | undefined,
  maxConnections?: number,
): Promise<ClusterDatabase> {
  if (!url)
    throw new UsageError(`${command}: give the cluster's database with --database postgres://…`)
  try {
    return await ClusterDatabase.open(url, { maxConnections })
  } catch (error) {
    if (error instanceof ClusterConnectionError)
      throw new UsageError(`${command}: ${error.message}`)
    throw error
  }
}

export async function checkClusterQueue(command: string, url: string | undefined): Promise<string> {
  if (!url) throw new UsageError(`${command}: give the cluster's queue with --queue redis://…`)
  try {
    await checkRedis(url)
  } catch (error) {
    if (error instanceof ClusterConnectionError)
      throw new UsageError(`${command}: ${error.message}`)
    throw error
  }
  return url
}

export async function readSecretsFile(
  command: string,
  file: string | undefined,
): Promise<Map<string, string> | undefined> {
  if (!file) return undefined
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new FileInputError(
      `${file}: cannot read the secrets file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    )
  }
  try {
    return parseDotenv(text, file)
  } catch (error) {
    if (error instanceof SecretsFileError) throw new UsageError(`${command}: ${error.message}`)
    throw error
  }
}

/** Runs until SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGTERM', stop)
    process.once('SIGINT', stop)
  })
}
