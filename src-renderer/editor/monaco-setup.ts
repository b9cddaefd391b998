/**
 * Monaco, bundled with the app: the editor and its workers come from our own build, never a
 * CDN (the CSP would refuse one anyway). Imported lazily by the editors that need it.
 */
import * as monaco from 'monaco-editor'
import EditorWorker from 'monaco-editor/editor/editor.worker.js?worker'
import JsonWorker from 'monaco-editor/language/json/json.worker.js?worker'
import TsWorker from 'monaco-editor/language/typescript/ts.worker.js?worker'

declare global {
  interface Window {
    MonacoEnvironment?: { getWorker(workerId: string, label: string): Worker }
  }
}

window.MonacoEnvironment = {
  getWorker(_workerId, label) {
    if (label === 'json') return new JsonWorker()
    if (label === 'typescript' || label === 'javascript') return new TsWorker()
    return new EditorWorker()
  },
}

export { monaco }

const schemas = new Map<string, { uri: string; fileMatch: string[]; schema: object }>()

/** Attaches a JSON Schema to the model at `modelUri`: markers, completion and hover docs come from it. */
export function attachJsonSchema(modelUri: string, schema: object): void {
  schemas.set(modelUri, {
    uri: `flowbench://schemas/${encodeURIComponent(modelUri)}`,
    fileMatch: [modelUri],
    schema,
  })
  monaco.json.jsonDefaults.setDiagnosticsOptions({
    validate: true,
    allowComments: false,
    enableSchemaRequest: false,
    schemas: [...schemas.values()],
  })
}
