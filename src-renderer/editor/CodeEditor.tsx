import { useEffect, useRef } from 'react'
import type { monaco as Monaco } from './monaco-setup'
import { attachJsonSchema, monaco } from './monaco-setup'

export interface CodeEditorProps {
  value: string
  onChange?: (text: string) => void
  language: 'json' | 'javascript' | 'python' | 'plaintext'
  /** A stable model path, e.g. `flowbench://node/check/config.json`; schemas attach to it. */
  path: string
  schema?: object
  readOnly?: boolean
  height?: number | string
  testId?: string
  /** Extra completions offered in the editor (variable names for code nodes). */
  completions?: { label: string; detail: string; insertText?: string }[]
}

function currentTheme(): string {
  return document.documentElement.dataset.theme === 'light' ? 'vs' : 'vs-dark'
}

/**
 * A controlled Monaco editor. Outside changes replace the text only when it differs, through an
 * edit operation so undo inside the editor keeps working.
 */
export function CodeEditor({
  value,
  onChange,
  language,
  path,
  schema,
  readOnly,
  height = 260,
  testId,
  completions,
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null)
  const editorRef = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null)
  const onChangeRef = useRef(onChange)
  onChangeRef.current = onChange
  const applyingOutside = useRef(false)
  // Texts the editor itself produced since the last outside change. Keystrokes can outrun React:
  // a render may still carry the text from one or two keys ago, and writing that back would
  // replace the model under the cursor and undo Monaco's auto-closed quotes and brackets.
  const emitted = useRef(new Set<string>())

  useEffect(() => {
    const uri = monaco.Uri.parse(path)
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel(value, language, uri)
    if (model.getValue() !== value) model.setValue(value)
    const editor = monaco.editor.create(host.current!, {
      model,
      readOnly,
      theme: currentTheme(),
      minimap: { enabled: false },
      automaticLayout: true,
      scrollBeyondLastLine: false,
      fontSize: 12,
      tabSize: 2,
      lineNumbersMinChars: 3,
      // A narrow inspector must not hide the end of a long template behind a horizontal scroll.
      wordWrap: 'on',
      wrappingIndent: 'indent',
      fixedOverflowWidgets: true,
    })
    editorRef.current = editor
    const sub = model.onDidChangeContent(() => {
      if (applyingOutside.current) return
      const text = model.getValue()
      if (emitted.current.size > 1000) emitted.current.clear()
      emitted.current.add(text)
      onChangeRef.current?.(text)
    })
    const themeObserver = new MutationObserver(() => monaco.editor.setTheme(currentTheme()))
    themeObserver.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    })
    return () => {
      themeObserver.disconnect()
      sub.dispose()
      editor.dispose()
      model.dispose()
      editorRef.current = null
    }
    // The editor is created once per model path; value changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [path, language])

  useEffect(() => {
    const editor = editorRef.current
    const model = editor?.getModel()
    if (!editor || !model || model.getValue() === value || emitted.current.has(value)) return
    emitted.current.clear()
    applyingOutside.current = true
    editor.pushUndoStop()
    editor.executeEdits('outside', [{ range: model.getFullModelRange(), text: value }])
    editor.pushUndoStop()
    applyingOutside.current = false
  }, [value])

  useEffect(() => {
    editorRef.current?.updateOptions({ readOnly })
  }, [readOnly])

  useEffect(() => {
    if (schema && language === 'json') attachJsonSchema(monaco.Uri.parse(path).toString(), schema)
  }, [schema, path, language])

  useEffect(() => {
    if (!completions || completions.length === 0) return
    const modelUri = monaco.Uri.parse(path).toString()
    const provider = monaco.languages.registerCompletionItemProvider(language, {
      provideCompletionItems(model, position) {
        if (model.uri.toString() !== modelUri) return { suggestions: [] }
        const word = model.getWordUntilPosition(position)
        const range = {
          startLineNumber: position.lineNumber,
          endLineNumber: position.lineNumber,
          startColumn: word.startColumn,
          endColumn: word.endColumn,
        }
        return {
          suggestions: completions.map((c) => ({
            label: c.label,
            kind: monaco.languages.CompletionItemKind.Variable,
            detail: c.detail,
            insertText: c.insertText ?? c.label,
            range,
          })),
        }
      },
    })
    return () => provider.dispose()
  }, [completions, language, path])

  return (
    <div ref={host} className="code-editor nokey nowheel" style={{ height }} data-testid={testId} />
  )
}
