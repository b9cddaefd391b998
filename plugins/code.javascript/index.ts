import { definePlugin } from '../../src-shared/plugin-sdk'
import type { CodeConfig } from './code-common'
import { codeConfigSchema, codeForm, emitPorts, limitsOf } from './code-common'
import { JsSandbox } from './sandbox'

const DOCS = `Runs **Code**, the body of a JavaScript function, in a QuickJS sandbox
(WebAssembly).

The code sees \`event\`, \`profile\`, \`session\`, \`flow\` (the workflow context), \`node\`
(this node's context, kept between payloads of one run), \`nodes\` (read-only outputs of nodes that
already ran) and \`payload\`, as copies made from JSON. Changes it makes to \`event\`,
\`profile\`, \`session\`, \`flow\` and \`node\` (in place, e.g. \`flow.total = 1\`) carry into
the run; ids stay as they were.

- \`return value\` sends the value on \`payload\` (returning nothing sends nothing).
- \`emit(port, value)\` sends a value on another port; list extra ports under **Extra output
  ports**.
- \`console.log/info/warn/error\` write to the node's logs.
- \`await\` works on promises (there are no timers or I/O to wait for).

The sandbox has only the JavaScript built-ins: no \`require\`, \`import\`, \`process\`,
\`fetch\`, files or network. Each call is limited in time (**Time limit**, default 1 s, error
code \`timeout\`) and memory (**Memory limit**, default 64 MB, error code \`memory-limit\`).
The code runs on a worker thread, so the time limit holds even inside a long built-in call, and
the rest of the app keeps responding meanwhile.
Errors in the code name the line and column (error code \`code-error\`).

\`\`\`js
const total = payload.items.reduce((sum, item) => sum + item.price, 0)
if (total > 1000) emit('review', { total })
flow.total = total
return { total }
\`\`\``

export default definePlugin<CodeConfig>({
  id: 'code.javascript',
  version: '1.0.0',
  name: 'JavaScript',
  description:
    'Runs JavaScript in a sandbox (time and memory limits; no file, network or process access)',
  group: 'Code',
  icon: 'braces',
  inputs: ['payload'],
  outputs: ['payload'],
  dynamicOutputs: { list: 'ports', key: 'port' },
  configSchema: codeConfigSchema('JavaScript'),
  defaultConfig: { code: 'return payload', timeoutMs: 1000, memoryMb: 64 },
  form: codeForm('javascript'),
  docs: {
    markdown: DOCS,
    inputs: { payload: 'Any value; the code sees it as `payload`.' },
    outputs: { payload: "The code's return value (nothing when it returns undefined or null)." },
  },
  testTemplate: {
    config: { code: 'return { total: payload.total * 2 }' },
    payload: { total: 2 },
    expect: { port: 'payload', value: { total: 4 } },
  },
  create: () => {
    let sandbox: JsSandbox | null = null
    let setUpError: unknown = null
    let closed = false
    return {
      async setUp(config) {
        try {
          sandbox = await JsSandbox.open({
            code: config.code,
            ports: emitPorts(config),
            ...limitsOf(config),
          })
        } catch (error) {
          setUpError = error
          throw error
        }
        // The run may have ended while the sandbox was being built.
        if (closed) sandbox.close()
      },
      run(payload, ctx) {
        if (!sandbox) throw setUpError ?? new Error('The JavaScript sandbox is not set up')
        return sandbox.call(ctx, payload)
      },
      close() {
        closed = true
        sandbox?.close()
        sandbox = null
      },
    }
  },
})
