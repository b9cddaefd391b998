import { useEffect, useMemo, useState } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'
import { call } from '../api/client'

export function Palette() {
  const [plugins, setPlugins] = useState<PluginSummary[]>([])
  const [error, setError] = useState<string | null>(null)
  const [query, setQuery] = useState('')

  useEffect(() => {
    call('plugins.list').then(setPlugins, (e: Error) => setError(e.message))
  }, [])

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase()
    const byGroup = new Map<string, PluginSummary[]>()
    for (const plugin of plugins) {
      const text = `${plugin.name} ${plugin.id} ${plugin.description}`.toLowerCase()
      if (q && !text.includes(q)) continue
      const list = byGroup.get(plugin.group) ?? []
      list.push(plugin)
      byGroup.set(plugin.group, list)
    }
    return [...byGroup.entries()]
  }, [plugins, query])

  if (error) return <p className="error-text">Cannot load actions: {error}</p>
  return (
    <div className="palette">
      <input
        className="search"
        type="search"
        placeholder="Search actions"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        data-testid="palette-search"
      />
      {groups.map(([group, items]) => (
        <div key={group} className="palette-group">
          <h4>{group}</h4>
          <ul>
            {items.map((plugin) => (
              <li key={plugin.id} title={plugin.description} data-testid={`palette-${plugin.id}`}>
                <span className="palette-icon" aria-hidden>
                  {plugin.icon ?? '◆'}
                </span>
                <span className="palette-text">
                  <span className="palette-name">{plugin.name}</span>
                  <span className="palette-desc">{plugin.description}</span>
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
      {groups.length === 0 && <p className="empty">No actions match “{query}”.</p>}
    </div>
  )
}
