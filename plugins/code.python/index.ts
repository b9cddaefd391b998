import { definePlugin } from '../../src-shared/plugin-sdk'
import type { CodeConfig } from '../code.javascript/code-common'
import {
  applyOutcome,
  CodeFailure,
  codeConfigSchema,
  codeForm,
  emitPorts,
  limitsOf,
  LogBudget,
  parseSandboxJson,
  stateInput,
  usedParts,
} from '../code.javascript/code-common'
import type { CallOutcome } from '../code.javascript/code-common'
import { pythonHost } from './host'

const DOCS = `Runs **Code**, the body of a Python function, in Pyodide (CPython compiled to
WebAssembly) in a separate sandbox process.

The code sees \`event\`, \`profile\`, \`session\`, \`flow\` (the workflow context), \`node\`
(this node's context, kept between payloads of one run), \`nodes\` (read-only outputs of nodes that
already ran) and \`payload\` as dicts and lists made from JSON. Changes it makes to \`event\`,
\`profile\`, \`session\`, \`flow\` and \`node\` (in place, e.g. \`flow["total"] = 1\`) carry
into the run; ids stay as they were.

- \`return value\` sends the value on \`payload\` (returning \`None\` sends nothing).
- \`emit(port, value)\` sends a value on another port; list extra ports under **Extra output
  ports**.
- \`print(...)\` writes to the node's logs (stderr as warnings).

Only the standard library is available, without networking or processes (\`socket\`,
\`subprocess\`, \`ctypes\`, \`asyncio\`… fail with a clear error); files are an in-memory
scratch area, not the host's, and nothing (files, globals, imported modules) carries from one call
to the next. Python starts once per app (a second or two); each call is limited in time (**Time limit**, default 1 s, error code \`timeout\`; the interpreter is
restarted) and memory (**Memory limit**, default 64 MB, error code \`memory-limit\`). Errors
name the line in the code (error code \`code-error\`).

\`\`\`python
total = sum(item["price"] for item in payload["items"])
if total > 1000:
    emit("review", {"total": total})
flow["total"] = total
return {"total": total}
\`\`\``

/** Names through which Python code can reach variables without naming them. */
const DYNAMIC_ACCESS = /\b(locals|vars|eval|exec|globals|sys|inspect)\b/

export default definePlugin<CodeConfig>({
  id: 'code.python',
  version: '1.0.0',
  name: 'Python',
  description:
    'Runs Python (Pyodide) sandboxed: time and memory limits; no file, network or process access',
  group: 'Code',
  icon: 'code',
  inputs: ['payload'],
  outputs: ['payload'],
  dynamicOutputs: { list: 'ports', key: 'port' },
  configSchema: codeConfigSchema('Python'),
  defaultConfig: { code: 'return payload', timeoutMs: 1000 },
  form: codeForm('python'),
  docs: {
    markdown: DOCS,
    inputs: { payload: 'Any value; the code sees it as `payload`.' },
    outputs: { payload: "The code's return value (nothing when it returns None)." },
  },
  testTemplate: {
    config: { code: 'return { "total": payload["total"] * 2 }' },
    payload: { total: 2 },
    expect: { port: 'payload', value: { total: 4 } },
  },
  create: () => {
    let options: {
      code: string
      ports: string[]
      timeoutMs: number
      memoryMb: number
      used: boolean[]
    } | null = null
    return {
      setUp(config) {
        options = {
          code: config.code,
          ports: emitPorts(config),
          ...limitsOf(config),
          used: usedParts(config.code, DYNAMIC_ACCESS),
        }
      },
      async run(payload, ctx) {
        if (!options) throw new CodeFailure('sandbox', 'The Python node is not set up')
        const input = stateInput(ctx, payload, options.used)
        const reply = await pythonHost().call({
          code: options.code,
          ports: options.ports,
          input,
          timeoutMs: options.timeoutMs,
          memoryMb: options.memoryMb,
          signal: ctx.signal,
        })
        const logs = new LogBudget(ctx)
        for (const [level, text] of reply.logs) logs.write(level, text)
        let outcome: CallOutcome & { error?: { code: string; message: string } }
        try {
          outcome = parseSandboxJson(reply.output) as typeof outcome
        } catch (error) {
          throw new CodeFailure(
            'invalid-result',
            `The Python sandbox sent back something that is not JSON: ${(error as Error).message}`,
          )
        }
        if (outcome.error)
          throw new CodeFailure(outcome.error.code as CodeFailure['code'], outcome.error.message)
        return applyOutcome(outcome, ctx)
      },
      close() {
        options = null
      },
    }
  },
})
