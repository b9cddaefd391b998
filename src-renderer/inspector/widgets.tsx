/** Custom rjsf widgets and fields: references, expressions, templates, key-value lists, code. */
import type { FieldProps, RegistryWidgetsType, RegistryFieldsType, WidgetProps } from '@rjsf/utils'
import { lazy, Suspense, useId, useMemo, useState } from 'react'
import { checkExpression, templateExpressions } from '../../src-shared/expr'
import type { PreviewSample } from './preview'
import { previewOf } from './preview'

/** The live value of a field against the inspector's sample event: a value, a warning or an error. */
function FieldPreview({
  kind,
  text,
  formContext,
  id,
}: {
  kind: 'expression' | 'template' | 'ref'
  text: string
  formContext: unknown
  id: string
}) {
  const sample = (formContext as { sample?: PreviewSample | null } | undefined)?.sample ?? null
  const preview = useMemo(
    () => (sample ? previewOf(kind, text, sample) : null),
    [kind, text, sample],
  )
  if (!preview) return null
  return (
    <div
      className={`field-preview ${preview.kind}`}
      data-testid={`preview-${id}`}
      data-kind={preview.kind}
      title={`With ${sample!.label}`}
    >
      {preview.kind === 'value' ? '→ ' : preview.kind === 'warning' ? '⚠ ' : '✕ '}
      <span className="mono">{preview.text}</span>
    </div>
  )
}

const CodeEditor = lazy(() =>
  import('../editor/CodeEditor').then((m) => ({ default: m.CodeEditor })),
)

/** State paths offered while typing a reference; the inspector adds paths found in the flow. */
export const BASE_REF_SUGGESTIONS = [
  'event@type',
  'event@properties.',
  'event@context.',
  'event@time',
  'profile@traits.',
  'profile@segments',
  'profile@consents.',
  'session@context.',
  'flow@',
  'node@',
  'payload@',
  'payload@...',
]

function expressionError(kind: 'expression' | 'template', value: string): string | null {
  if (!value) return null
  if (kind === 'expression') return checkExpression(value)?.message ?? null
  for (const part of templateExpressions(value)) {
    const error = checkExpression(part.source)
    if (error) return error.message
  }
  return null
}

function RefWidget(props: WidgetProps) {
  const listId = useId()
  const suggestions =
    (props.registry.formContext as { refSuggestions?: string[] } | undefined)?.refSuggestions ??
    BASE_REF_SUGGESTIONS
  return (
    <>
      <input
        id={props.id}
        className="mono nodrag"
        type="text"
        list={listId}
        value={(props.value as string | undefined) ?? ''}
        placeholder={props.placeholder || 'profile@traits.email'}
        disabled={props.disabled || props.readonly}
        onChange={(e) => props.onChange(e.target.value === '' ? undefined : e.target.value)}
        onBlur={() => props.onBlur(props.id, props.value)}
        onFocus={() => props.onFocus(props.id, props.value)}
      />
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      <FieldPreview
        kind="ref"
        text={(props.value as string | undefined) ?? ''}
        formContext={props.registry.formContext}
        id={props.id}
      />
    </>
  )
}

function makeExpressionWidget(kind: 'expression' | 'template') {
  return function ExpressionWidget(props: WidgetProps) {
    const value = (props.value as string | undefined) ?? ''
    const error = useMemo(() => expressionError(kind, value), [value])
    const multiline = kind === 'template' && (value.length > 60 || value.includes('\n'))
    const common = {
      id: props.id,
      className: `mono nodrag${error ? ' invalid' : ''}`,
      value,
      placeholder:
        props.placeholder ||
        (kind === 'expression'
          ? 'event.properties.total > 100'
          : 'Hello {{ profile.traits.name }}'),
      disabled: props.disabled || props.readonly,
      spellCheck: false,
      onBlur: () => props.onBlur(props.id, props.value),
      onFocus: () => props.onFocus(props.id, props.value),
    }
    return (
      <div className="expression-input">
        {multiline ? (
          <textarea {...common} rows={3} onChange={(e) => props.onChange(e.target.value)} />
        ) : (
          <input {...common} type="text" onChange={(e) => props.onChange(e.target.value)} />
        )}
        {error ? (
          <div className="field-error" data-testid={`expr-error-${props.id}`}>
            {error}
          </div>
        ) : (
          <FieldPreview
            kind={kind}
            text={value}
            formContext={props.registry.formContext}
            id={props.id}
          />
        )}
      </div>
    )
  }
}

function CodeWidget(props: WidgetProps) {
  const language = (props.options.language as 'javascript' | 'python' | undefined) ?? 'javascript'
  const completions = (
    props.formContext as { codeCompletions?: { label: string; detail: string }[] } | undefined
  )?.codeCompletions
  const path = `flowbench://code/${encodeURIComponent(props.id)}.${language === 'python' ? 'py' : 'js'}`
  return (
    <Suspense fallback={<div className="code-editor loading">Loading editor…</div>}>
      <CodeEditor
        value={(props.value as string | undefined) ?? ''}
        onChange={(text) => props.onChange(text)}
        language={language}
        path={path}
        height={240}
        completions={completions}
        testId="code-editor"
      />
    </Suspense>
  )
}

/** Parses what was typed as JSON when it is JSON (numbers, true, [1,2]…); otherwise keeps the text. */
export function parseLooseValue(text: string): unknown {
  const trimmed = text.trim()
  if (trimmed === '') return ''
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(trimmed) || /^[[{"]/.test(trimmed)) {
    try {
      return JSON.parse(trimmed)
    } catch {
      return text
    }
  }
  return text
}

function formatLooseValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

/** An object edited as rows of key → value (data.set's `values`, headers…). */
function KeyValueField(props: FieldProps) {
  const entries = Object.entries((props.formData as Record<string, unknown> | undefined) ?? {})
  const [draftKey, setDraftKey] = useState('')
  const listId = useId()
  const suggestions =
    (props.registry.formContext as { refSuggestions?: string[] } | undefined)?.refSuggestions ??
    BASE_REF_SUGGESTIONS
  const update = (next: [string, unknown][]) =>
    props.onChange(Object.fromEntries(next), props.fieldPathId.path)
  return (
    <fieldset className="key-value" data-testid={`kv-${props.name}`}>
      <legend>{props.schema.title ?? props.name}</legend>
      {props.schema.description && <p className="field-help">{props.schema.description}</p>}
      <datalist id={listId}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {entries.map(([key, value], i) => (
        <div className="kv-row" key={i}>
          <input
            className="mono nodrag"
            list={listId}
            value={key}
            aria-label="Key"
            onChange={(e) =>
              update(entries.map((entry, j) => (j === i ? [e.target.value, entry[1]] : entry)))
            }
          />
          <input
            className="mono nodrag"
            value={formatLooseValue(value)}
            aria-label="Value"
            onChange={(e) =>
              update(
                entries.map((entry, j) =>
                  j === i ? [entry[0], parseLooseValue(e.target.value)] : entry,
                ),
              )
            }
          />
          <button
            type="button"
            className="ghost small"
            title="Remove"
            onClick={() => update(entries.filter((_, j) => j !== i))}
          >
            ✕
          </button>
        </div>
      ))}
      <div className="kv-row">
        <input
          className="mono nodrag"
          list={listId}
          placeholder="new key, e.g. profile@traits.tier"
          value={draftKey}
          onChange={(e) => setDraftKey(e.target.value)}
        />
        <button
          type="button"
          className="small"
          disabled={!draftKey.trim() || entries.some(([k]) => k === draftKey.trim())}
          onClick={() => {
            update([...entries, [draftKey.trim(), '']])
            setDraftKey('')
          }}
        >
          Add
        </button>
      </div>
    </fieldset>
  )
}

/** Any JSON value, typed loosely: `42`, `true`, `["a"]`, `{"a":1}` are JSON; anything else is text. */
function LooseJsonField(props: FieldProps) {
  const [text, setText] = useState(() =>
    props.formData === undefined ? '' : formatLooseValue(props.formData),
  )
  const shown = parseLooseValue(text)
  const current = props.formData === undefined ? '' : props.formData
  const display =
    JSON.stringify(shown) === JSON.stringify(current) ? text : formatLooseValue(current)
  return (
    <div className="form-group loose-json">
      <label className="control-label" htmlFor={props.fieldPathId.$id}>
        {props.schema.title ?? props.name}
        {props.required ? '*' : ''}
      </label>
      <input
        id={props.fieldPathId.$id}
        className="mono nodrag"
        value={display}
        placeholder="a value, a reference or a {{ template }}"
        onChange={(e) => {
          setText(e.target.value)
          props.onChange(
            e.target.value === '' ? undefined : parseLooseValue(e.target.value),
            props.fieldPathId.path,
          )
        }}
      />
      {props.schema.description && <p className="field-help">{props.schema.description}</p>}
    </div>
  )
}

/** A complete decimal number as typed: `2`, `-1.5`, `1e3` (not `1.` or `-`, which are on their way to one). */
function isNumberText(text: string): boolean {
  return /^-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)
}

/**
 * A number, or a reference / template that gives one (Increment's "By"): one input and a
 * Number/Reference switch, so the stored value is always `2` or `"event@properties.qty"`.
 */
function NumberOrRefField(props: FieldProps) {
  const value = props.formData as number | string | undefined
  const [mode, setMode] = useState<'number' | 'reference'>(
    typeof value === 'string' ? 'reference' : 'number',
  )
  // An outside change (JSON tab, undo) decides the mode when it brings the other kind of value.
  const shownMode =
    typeof value === 'string' ? 'reference' : typeof value === 'number' ? 'number' : mode
  const [numberText, setNumberText] = useState(typeof value === 'number' ? String(value) : '')
  const listId = useId()
  const name = useId()
  const suggestions =
    (props.registry.formContext as { refSuggestions?: string[] } | undefined)?.refSuggestions ??
    BASE_REF_SUGGESTIONS
  const id = props.fieldPathId.$id
  const label =
    (props.uiSchema?.['ui:title'] as string | undefined) ?? props.schema.title ?? props.name
  const change = (next: number | string | undefined) => props.onChange(next, props.fieldPathId.path)
  // Keeps "1." or "-" on screen while typing; the config gets the number once there is one.
  const numberShown =
    typeof value === 'number' && Number(numberText) !== value ? String(value) : numberText
  const switchTo = (next: 'number' | 'reference') => {
    if (next === shownMode) return
    setMode(next)
    setNumberText('')
    change(undefined)
  }
  const error =
    shownMode === 'reference' && typeof value === 'string' && value.includes('{{')
      ? expressionError('template', value)
      : null
  return (
    <div className="form-group number-or-ref" data-testid={`number-or-ref-${props.name}`}>
      <div className="number-or-ref-head">
        <label className="control-label" htmlFor={id}>
          {label}
          {props.required ? '*' : ''}
        </label>
        <span className="segmented" role="radiogroup" aria-label={`${label}: kind of value`}>
          {(['number', 'reference'] as const).map((kind) => (
            <label key={kind} className={shownMode === kind ? 'active' : ''}>
              <input
                type="radio"
                name={name}
                value={kind}
                checked={shownMode === kind}
                onChange={() => switchTo(kind)}
                disabled={props.disabled || props.readonly}
              />
              {kind === 'number' ? 'Number' : 'Reference'}
            </label>
          ))}
        </span>
      </div>
      {shownMode === 'number' ? (
        <input
          id={id}
          className="mono nodrag"
          type="text"
          inputMode="decimal"
          value={numberShown}
          placeholder="1"
          disabled={props.disabled || props.readonly}
          onChange={(e) => {
            const text = e.target.value
            setNumberText(text)
            const trimmed = text.trim()
            if (trimmed === '') change(undefined)
            else if (isNumberText(trimmed)) change(Number(trimmed))
          }}
        />
      ) : (
        <>
          <input
            id={id}
            className={`mono nodrag${error ? ' invalid' : ''}`}
            type="text"
            list={listId}
            value={typeof value === 'string' ? value : ''}
            placeholder="event@properties.quantity"
            disabled={props.disabled || props.readonly}
            onChange={(e) => change(e.target.value === '' ? undefined : e.target.value)}
          />
          <datalist id={listId}>
            {suggestions.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </>
      )}
      {shownMode === 'number' && numberText.trim() !== '' && !isNumberText(numberText.trim()) && (
        <div className="field-error">
          Not a number — switch to Reference for a reference or a template.
        </div>
      )}
      {error && <div className="field-error">{error}</div>}
      {!error && shownMode === 'reference' && typeof value === 'string' && (
        <FieldPreview kind="ref" text={value} formContext={props.registry.formContext} id={id} />
      )}
      {props.schema.description && <p className="field-help">{props.schema.description}</p>}
    </div>
  )
}

export const customWidgets: RegistryWidgetsType = {
  ref: RefWidget,
  expression: makeExpressionWidget('expression'),
  template: makeExpressionWidget('template'),
  code: CodeWidget,
}

export const customFields: RegistryFieldsType = {
  keyValue: KeyValueField,
  looseJson: LooseJsonField,
  numberOrRef: NumberOrRefField,
}
