import { useEffect, useState } from 'react'
import type { FormEvent } from 'react'
import { KeyRound, Pencil, Plus, Trash2 } from 'lucide-react'
import type { EnvironmentsState, SecretSummary } from '../../src-shared/api/contract'
import { call } from '../api/client'
import { useEnvironments } from './environments-store'

type Notify = (text: string, kind?: 'info' | 'error') => void

interface FieldRow {
  name: string
  value: string
}

const MASK = '••••'

/**
 * Secrets and environments (design §3): values are write-only — typed into password inputs,
 * sent once, and never shown again; a secret is listed by name, scope and field names.
 */
export function SecretsPanel({ onMessage }: { onMessage: Notify }) {
  const { state, refresh, apply } = useEnvironments()
  const [editing, setEditing] = useState<{
    name: string
    environment: string | null
    fields: FieldRow[]
    replacing: boolean
  } | null>(null)
  const [newEnvironment, setNewEnvironment] = useState('')

  useEffect(() => {
    refresh().catch((error: Error) => onMessage(error.message, 'error'))
  }, [refresh, onMessage])

  const run = async (work: () => Promise<EnvironmentsState>, done?: string) => {
    try {
      apply(await work())
      if (done) onMessage(done)
      return true
    } catch (error) {
      onMessage((error as Error).message, 'error')
      return false
    }
  }

  if (!state) return <p className="muted">Loading…</p>
  const current = state.environments.find((e) => e.current)

  const save = async (event: FormEvent) => {
    event.preventDefault()
    if (!editing) return
    const fields = Object.fromEntries(
      editing.fields.filter((f) => f.name.trim()).map((f) => [f.name.trim(), f.value]),
    )
    const ok = await run(
      () =>
        call('secrets.set', {
          name: editing.name.trim(),
          fields,
          environment: editing.environment,
        }),
      `Saved the secret ${editing.name.trim()}`,
    )
    if (ok) setEditing(null)
  }

  const replace = (secret: SecretSummary) =>
    setEditing({
      name: secret.name,
      environment: secret.environment,
      fields: secret.fields.map((name) => ({ name, value: '' })),
      replacing: true,
    })

  const rename = (secret: SecretSummary) => {
    const to = window.prompt(`Rename the secret "${secret.name}" to`, secret.name)
    if (to && to !== secret.name)
      void run(
        () => call('secrets.rename', { from: secret.name, to }),
        `Renamed ${secret.name} to ${to}`,
      )
  }

  const remove = (secret: SecretSummary) => {
    if (
      window.confirm(
        `Delete the secret "${secret.name}"${secret.environment ? ` from ${secret.environment}` : ''}? Flows that read it will get nothing.`,
      )
    )
      void run(
        () => call('secrets.delete', { name: secret.name, environment: secret.environment }),
        `Deleted ${secret.name}`,
      )
  }

  const setVariable = (name: string, value: string) => {
    if (!current) return
    void run(() =>
      call('environments.save', { name: current.name, vars: { ...current.vars, [name]: value } }),
    )
  }

  return (
    <div className="secrets" data-testid="secrets-panel">
      <div className="bench-toolbar">
        <label>
          Environment{' '}
          <select
            value={state.current}
            onChange={(e) =>
              void run(
                () => call('environments.use', { name: e.target.value }),
                `Runs and tests now use ${e.target.value}`,
              )
            }
            data-testid="environment-select"
          >
            {state.environments.map((e) => (
              <option key={e.name} value={e.name}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault()
            if (newEnvironment.trim())
              void run(
                () => call('environments.use', { name: newEnvironment.trim() }),
                `Created ${newEnvironment.trim()}`,
              ).then(() => setNewEnvironment(''))
          }}
        >
          <input
            value={newEnvironment}
            onChange={(e) => setNewEnvironment(e.target.value)}
            placeholder="new environment"
            aria-label="New environment name"
          />
          <button className="ghost small" type="submit">
            Add
          </button>
        </form>
        <span className="muted small">Runs, tests and the local runner read this environment.</span>
      </div>

      <div className="runner-grid">
        <div>
          <h5>
            <KeyRound size={13} /> Secrets
          </h5>
          {state.secrets.length === 0 && (
            <p className="muted small">
              No secrets yet. Flows read them as {'{{ secrets.NAME.FIELD }}'} or secret@NAME.FIELD.
            </p>
          )}
          <table className="preview" data-testid="secrets-list">
            <tbody>
              {state.secrets.map((s) => (
                <tr key={`${s.name}|${s.environment ?? ''}`} data-testid={`secret-${s.name}`}>
                  <td className="mono">{s.name}</td>
                  <td className="small">{s.environment ?? 'every environment'}</td>
                  <td className="small mono">{s.fields.map((f) => `${f}: ${MASK}`).join('  ')}</td>
                  <td className="actions">
                    <button
                      className="ghost small"
                      title="Replace the values"
                      onClick={() => replace(s)}
                      data-testid={`secret-replace-${s.name}`}
                    >
                      Replace
                    </button>
                    <button
                      className="ghost small"
                      title="Rename"
                      aria-label={`Rename ${s.name}`}
                      onClick={() => rename(s)}
                    >
                      <Pencil size={12} />
                    </button>
                    <button
                      className="ghost small"
                      title="Delete"
                      aria-label={`Delete ${s.name}`}
                      onClick={() => remove(s)}
                      data-testid={`secret-delete-${s.name}`}
                    >
                      <Trash2 size={12} />
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {!editing && (
            <button
              className="small"
              onClick={() =>
                setEditing({
                  name: '',
                  environment: null,
                  fields: [{ name: '', value: '' }],
                  replacing: false,
                })
              }
              data-testid="secret-new"
            >
              <Plus size={12} /> New secret
            </button>
          )}
          {editing && (
            <form className="secret-form" onSubmit={(e) => void save(e)} data-testid="secret-form">
              <label>
                Name
                <input
                  value={editing.name}
                  disabled={editing.replacing}
                  onChange={(e) => setEditing({ ...editing, name: e.target.value })}
                  placeholder="crm"
                  data-testid="secret-name"
                />
              </label>
              <label>
                For
                <select
                  value={editing.environment ?? ''}
                  disabled={editing.replacing}
                  onChange={(e) => setEditing({ ...editing, environment: e.target.value || null })}
                  data-testid="secret-environment"
                >
                  <option value="">every environment</option>
                  {state.environments.map((e) => (
                    <option key={e.name} value={e.name}>
                      {e.name} only
                    </option>
                  ))}
                </select>
              </label>
              {editing.fields.map((field, index) => (
                <div className="secret-field" key={index}>
                  <input
                    value={field.name}
                    placeholder="field (e.g. apiKey)"
                    aria-label="Field name"
                    onChange={(e) =>
                      setEditing({
                        ...editing,
                        fields: editing.fields.map((f, i) =>
                          i === index ? { ...f, name: e.target.value } : f,
                        ),
                      })
                    }
                    data-testid={`secret-field-name-${index}`}
                  />
                  <input
                    type="password"
                    autoComplete="off"
                    value={field.value}
                    placeholder="value"
                    aria-label="Field value"
                    onChange={(e) =>
                      setEditing({
                        ...editing,
                        fields: editing.fields.map((f, i) =>
                          i === index ? { ...f, value: e.target.value } : f,
                        ),
                      })
                    }
                    data-testid={`secret-field-value-${index}`}
                  />
                </div>
              ))}
              <div className="form-actions">
                <button
                  type="button"
                  className="ghost small"
                  onClick={() =>
                    setEditing({ ...editing, fields: [...editing.fields, { name: '', value: '' }] })
                  }
                >
                  Add field
                </button>
                <button type="button" className="ghost small" onClick={() => setEditing(null)}>
                  Cancel
                </button>
                <button type="submit" className="primary small" data-testid="secret-save">
                  Save
                </button>
              </div>
            </form>
          )}
        </div>
        <div>
          <h5>Variables of {state.current}</h5>
          <p className="muted small">
            Not secret: read as {'{{ vars.NAME }}'} and exported with bundles.
          </p>
          <VariablesEditor
            vars={current?.vars ?? {}}
            onSet={setVariable}
            onDelete={(name) => {
              if (!current) return
              const { [name]: _gone, ...rest } = current.vars
              void run(() => call('environments.save', { name: current.name, vars: rest }))
            }}
          />
        </div>
      </div>
    </div>
  )
}

function VariablesEditor({
  vars,
  onSet,
  onDelete,
}: {
  vars: Record<string, unknown>
  onSet: (name: string, value: string) => void
  onDelete: (name: string) => void
}) {
  const [name, setName] = useState('')
  const [value, setValue] = useState('')
  return (
    <>
      <table className="preview" data-testid="variables-list">
        <tbody>
          {Object.entries(vars).map(([key, v]) => (
            <tr key={key}>
              <td className="mono">{key}</td>
              <td className="mono small">{typeof v === 'string' ? v : JSON.stringify(v)}</td>
              <td className="actions">
                <button
                  className="ghost small"
                  aria-label={`Delete ${key}`}
                  onClick={() => onDelete(key)}
                >
                  <Trash2 size={12} />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault()
          if (!name.trim()) return
          onSet(name.trim(), value)
          setName('')
          setValue('')
        }}
      >
        <input
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="name"
          aria-label="Variable name"
          data-testid="variable-name"
        />
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="value"
          aria-label="Variable value"
          data-testid="variable-value"
        />
        <button className="ghost small" type="submit" data-testid="variable-add">
          Set
        </button>
      </form>
    </>
  )
}
