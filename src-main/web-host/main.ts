/** `npm run web`: the app in a browser. Prints the URL (with its per-launch token) to open. */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createApiHandlers } from '../api/handlers'
import { createAppContext, defaultDataDir } from '../app-context'
import { startWebHost } from './server'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

function parseArgs(argv: string[]): { port: number; dataDir: string; token?: string } {
  let port = 5780
  let dataDir = defaultDataDir()
  let token: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    const value = argv[i + 1]
    if (arg === '--port' && value !== undefined) {
      port = Number(value)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0–65535, got "${value}"`)
      i++
    } else if (arg === '--data-dir' && value !== undefined) {
      dataDir = path.resolve(value)
      i++
    } else if (arg === '--token' && value !== undefined) {
      token = value
      i++
    } else {
      throw new Error(
        `Unknown or incomplete option "${arg}". Usage: npm run web -- [--port N] [--data-dir DIR]`,
      )
    }
  }
  return { port, dataDir, token }
}

async function main(): Promise<void> {
  let args
  try {
    args = parseArgs(process.argv.slice(2))
  } catch (error) {
    console.error((error as Error).message)
    process.exit(2)
  }
  const app = await createAppContext({ dataDir: args.dataDir, mode: 'web' })
  const host = await startWebHost({
    handlers: createApiHandlers(app),
    events: app.events,
    staticDir: path.join(repoRoot, 'out', 'renderer'),
    port: args.port,
    token: args.token,
  })
  console.log(`Flowbench is running in browser mode (data: ${app.dataDir})`)
  console.log(`Open ${host.url}`)
  const stop = async () => {
    await host.close()
    await app.close()
    process.exit(0)
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
}

await main()
