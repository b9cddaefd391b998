import { memo, useMemo, useState } from 'react'
import { PluginIcon } from './PluginIcon'
import type { PluginSummary } from '../../src-shared/api/contract'
import { PALETTE_MIME } from '../designer/Canvas'

/** Plugins grouped as the registry groups them; click to add, or drag onto the canvas. */
export const Palette = memo(function Palette({
  plugins,
  onAdd,
  disabled,
}: {
  plugins: PluginSummary[]
  onAdd: (pluginId: string) => void
  disabled?: boolean
}) {
  const [query, setQuery] = useState('')
  const [hovered, setHovered] = useState<PluginSummary | null>(null)

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase()
    const byGroup = new Map<string, PluginSummary[]>()
    for (const plugin of plugins) {
      const text = `${plugin.name} ${plugin.id} ${plugin.description} ${plugin.group}`.toLowerCase()
      if (q && !text.includes(q)) continue
      const list = byGroup.get(plugin.group) ?? []
      list.push(plugin)
      byGroup.set(plugin.group, list)
    }
    return [...byGroup.entries()]
  }, [plugins, query])

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
      {disabled && <p className="muted small">Open a flow to add actions.</p>}
      {groups.map(([group, items]) => (
        <div key={group} className="palette-group">
          <h4>{group}</h4>
          <ul>
            {items.map((plugin) => (
              <li
                key={plugin.id}
                data-testid={`palette-${plugin.id}`}
                draggable={!disabled}
                onDragStart={(e) => {
                  e.dataTransfer.setData(PALETTE_MIME, plugin.id)
                  e.dataTransfer.effectAllowed = 'copy'
                }}
                onClick={() => !disabled && onAdd(plugin.id)}
                onMouseEnter={() => setHovered(plugin)}
                onMouseLeave={() => setHovered((h) => (h === plugin ? null : h))}
                className={disabled ? 'disabled' : ''}
                title={plugin.description}
              >
                <span className="palette-icon" aria-hidden>
                  <PluginIcon name={plugin.icon} label={plugin.name} />
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
      {hovered && (
        <div className="palette-doc" data-testid="palette-doc">
          <strong>{hovered.name}</strong> <span className="mono muted">{hovered.id}</span>
          <p>{hovered.docs.markdown.replace(/\*\*|`/g, '')}</p>
        </div>
      )}
    </div>
  )
})
