// `npm test`: type checks, lint, the app build, unit tests, end-to-end tests. Ends with one line of totals over
// every suite, `N passed, N failed` (a type check or lint run counts as one check).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildRendererIfStale } from './build-web.js'

const bin = (name) => path.join('node_modules', '.bin', name)
const reportDir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-test-'))
let passed = 0
let failed = 0

function step(name, command, args) {
  console.log(`\n▶ ${name}`)
  const result = spawnSync(command, args, { stdio: 'inherit' })
  return result.status === 0
}

function check(name, command, args) {
  if (step(name, command, args)) passed++
  else {
    failed++
    console.log(`✖ ${name} failed`)
  }
}

function suite(name, config) {
  const output = path.join(reportDir, `${name}.json`)
  const ok = step(name, bin('vitest'), [
    'run',
    '--config',
    config,
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${output}`,
  ])
  if (!existsSync(output)) {
    failed++
    console.log(`✖ ${name}: the suite did not run`)
    return
  }
  const report = JSON.parse(readFileSync(output, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests
  // A file that fails to load has no tests to count, but it is a failure all the same.
  const brokenFiles = report.testResults.filter(
    (file) => file.status === 'failed' && file.assertionResults.length === 0,
  ).length
  failed += brokenFiles
  if (!ok && report.numFailedTests === 0 && brokenFiles === 0) failed++
}

check('type check (node side)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit'])
check('type check (web side)', bin('tsc'), ['-p', 'tsconfig.web.json', '--noEmit'])
check('lint', bin('eslint'), ['.', '--max-warnings=0'])
check('format (prettier --check)', bin('prettier'), ['--check', '.', '--log-level', 'warn'])
// The desktop app's bundles (main, preload, renderer) as `npm run dist` packages them; the
// installers themselves need Electron's binaries and are built by .github/workflows/release.yml.
// Into its own folder: out/renderer is the browser build the e2e tests serve.
const buildCheck = path.resolve('out', '.build-check')
check('build (npm run build)', bin('electron-vite'), [
  'build',
  '--outDir',
  buildCheck,
  '--logLevel',
  'warn',
])
rmSync(buildCheck, { recursive: true, force: true })
suite('unit', 'vitest.config.ts')
buildRendererIfStale()
suite('e2e', 'vitest.e2e.config.ts')

console.log(`\n${passed} passed, ${failed} failed`)
process.exit(failed === 0 ? 0 : 1)
