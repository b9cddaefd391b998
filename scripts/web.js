// `npm run web`: builds the renderer when its sources are newer than the build, then starts the web host.
import { spawnSync } from 'node:child_process'
import { buildRendererIfStale } from './build-web.js'

buildRendererIfStale()
const result = spawnSync(
  process.execPath,
  ['bin/run-ts.js', 'src-main/web-host/main.ts', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
)
process.exit(result.status ?? 1)
