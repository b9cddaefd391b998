import { Fragment } from 'react'
import type { ReactNode } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'

/** Renders the small markdown subset plugin docs use (**bold**, `code`, paragraphs, lists) as React elements — never as HTML. */
export function renderInline(text: string): ReactNode[] {
  const parts: ReactNode[] = []
  const pattern = /(\*\*[^*]+\*\*|`[^`]+`)/g
  let last = 0
  let match: RegExpExecArray | null
  while ((match = pattern.exec(text))) {
    if (match.index > last) parts.push(text.slice(last, match.index))
    const token = match[0]
    parts.push(
      token.startsWith('**') ? (
        <strong key={match.index}>{token.slice(2, -2)}</strong>
      ) : (
        <code key={match.index}>{token.slice(1, -1)}</code>
      ),
    )
    last = match.index + token.length
  }
  if (last < text.length) parts.push(text.slice(last))
  return parts
}

export function Markdown({ text }: { text: string }) {
  const blocks = text.split(/\n{2,}/)
  return (
    <>
      {blocks.map((block, i) => {
        const lines = block.split('\n')
        if (lines.every((l) => /^\s*[-*] /.test(l))) {
          return (
            <ul key={i}>
              {lines.map((l, j) => (
                <li key={j}>{renderInline(l.replace(/^\s*[-*] /, ''))}</li>
              ))}
            </ul>
          )
        }
        return (
          <p key={i}>
            {lines.map((l, j) => (
              <Fragment key={j}>
                {j > 0 && <br />}
                {renderInline(l)}
              </Fragment>
            ))}
          </p>
        )
      })}
    </>
  )
}

export function DocsView({ plugin }: { plugin: PluginSummary }) {
  const ports = (kind: 'inputs' | 'outputs') => {
    const names = kind === 'inputs' ? plugin.inputs : [...plugin.outputs, 'error']
    return names.map((port) => (
      <li key={port}>
        <code>{port}</code> —{' '}
        {port === 'error' && kind === 'outputs'
          ? 'Errors of this node ({ message, code, nodeId, input }), when connected.'
          : renderInline(plugin.docs[kind]?.[port] ?? '')}
      </li>
    ))
  }
  return (
    <div className="docs" data-testid="inspector-docs">
      <h4>
        {plugin.name}{' '}
        <span className="muted small mono">
          {plugin.id}@{plugin.version}
        </span>
      </h4>
      <Markdown text={plugin.docs.markdown} />
      {plugin.inputs.length > 0 && (
        <>
          <h5>Inputs</h5>
          <ul>{ports('inputs')}</ul>
        </>
      )}
      <h5>Outputs</h5>
      <ul>{ports('outputs')}</ul>
      {plugin.dynamicOutputs && (
        <p className="muted small">
          More output ports come from the config’s “{plugin.dynamicOutputs.list}”.
        </p>
      )}
    </div>
  )
}
