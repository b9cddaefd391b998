/**
 * The Pyodide worker behind code.python: one per process, started on first use by host.ts.
 *
 * Pyodide is loaded from the npm package's folder with an empty lock file, so no package can be
 * fetched. Then the worker locks its own JavaScript side down before any user code runs, because
 * Python code can reach JavaScript objects through Pyodide's bridge:
 *  - the `js` module is an empty object, and the `pyodide_js` API object is emptied;
 *  - eval and the Function constructors throw (Emscripten's `emscripten_run_script` and any
 *    `obj.constructor.constructor('…')` end there);
 *  - require() throws (Emscripten's system() and socket code load child_process and ws lazily);
 *  - process, fetch and the other host globals are deleted.
 * Messages are small arrays; data travels as JSON text.
 */
import { readFileSync } from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { parentPort, workerData } from 'node:worker_threads'

const { pyodideDir, sandboxFile, snapshot } = workerData
const lock = JSON.parse(readFileSync(path.join(pyodideDir, 'pyodide-lock.json'), 'utf8'))
const { loadPyodide } = await import(pathToFileURL(path.join(pyodideDir, 'pyodide.mjs')).href)

/** Lines printed by the call in progress: [level, text]. */
let logs = []

const options = {
  indexURL: pyodideDir + path.sep,
  packageBaseUrl: pyodideDir + path.sep,
  lockFileContents: { info: lock.info, packages: {} },
  jsglobals: Object.create(null),
  env: { HOME: '/home/pyodide' },
  stdout: (line) => logs.push(['info', line]),
  stderr: (line) => logs.push(['warn', line]),
}
// The first worker of a process hands the host a memory image of the freshly started
// interpreter; workers started after a timeout load it instead of starting Python again.
const pyodide = await loadPyodide(
  snapshot ? { ...options, _loadSnapshot: snapshot } : { ...options, _makeSnapshot: true },
)
if (!snapshot) {
  pyodide.runPython('import ast, json')
  const image = pyodide.makeMemorySnapshot()
  parentPort.postMessage(['snapshot', image], [image.buffer])
}
pyodide.runPython(readFileSync(sandboxFile, 'utf8'), { filename: 'sandbox.py' })
const py = {
  compile: pyodide.globals.get('compile_code'),
  open: pyodide.globals.get('open_instance'),
  call: pyodide.globals.get('call'),
  forget: pyodide.globals.get('forget_code'),
  close: pyodide.globals.get('close_instance'),
}
// Wasm memory never shrinks; the host restarts a worker that grew too much.
const wasm = pyodide._module
lockDown(pyodide)

function lockDown(api) {
  api.unregisterJsModule('js')
  api.unregisterJsModule('pyodide_js')
  const fs = api.FS
  if (fs?.filesystems) delete fs.filesystems.NODEFS
  for (const key of Object.getOwnPropertyNames(api)) {
    try {
      delete api[key]
    } catch {
      // Non-configurable properties stay; none of them reach the host.
    }
  }
  const refuse = (what) =>
    function () {
      throw new Error(`${what} is not available in the Python sandbox`)
    }
  Module._load = refuse('require()')
  globalThis.eval = refuse('eval')
  // The global Function stays (Pyodide checks `instanceof Function`); no script can reach it.
  const constructors = [
    Function,
    (async () => {}).constructor,
    function* () {}.constructor,
    async function* () {}.constructor,
  ]
  for (const constructor of constructors)
    Object.defineProperty(constructor.prototype, 'constructor', {
      value: refuse('Code generation'),
    })
  for (const name of [
    'process',
    'fetch',
    'Request',
    'Response',
    'Headers',
    'FormData',
    'WebSocket',
    'EventSource',
    'navigator',
    'BroadcastChannel',
    'Worker',
  ]) {
    delete globalThis[name]
  }
}

parentPort.on('message', (message) => {
  const op = message[0]
  if (op === 'compile') {
    py.compile(message[1], message[2])
  } else if (op === 'forget') {
    py.forget(message[1])
  } else if (op === 'close') {
    py.close(message[1])
  } else if (op === 'call') {
    const [, id, instance, key, ports, input] = message
    logs = []
    let output
    try {
      output = ports === null ? '' : py.open(instance, key, ports)
      if (output === '') output = py.call(instance, input)
    } catch (error) {
      // A fatal error leaves the interpreter unusable: the host ends this worker.
      parentPort.postMessage([id, null, logs, 0, String(error?.message ?? error)])
      return
    }
    parentPort.postMessage([id, output, logs, wasm.HEAPU8.byteLength, null])
  }
})
parentPort.postMessage(['ready'])
