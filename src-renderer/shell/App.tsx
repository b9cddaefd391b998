import { useCallback, useEffect, useState } from 'react'
import type { PluginSummary } from '../../src-shared/api/contract'
import { call } from '../api/client'
import { DesignerView } from '../designer/DesignerView'
import { AboutDialog } from './AboutDialog'
import { useTheme } from './useTheme'

interface Toast {
  id: number
  text: string
  kind: 'info' | 'error'
}

let toastId = 0

export function App() {
  const [theme, toggleTheme] = useTheme()
  const [aboutOpen, setAboutOpen] = useState(false)
  const [plugins, setPlugins] = useState<PluginSummary[] | null>(null)
  const [loadError, setLoadError] = useState<string | null>(null)
  const [toasts, setToasts] = useState<Toast[]>([])

  useEffect(() => {
    call('plugins.list').then(setPlugins, (e: Error) => setLoadError(e.message))
  }, [])

  const onMessage = useCallback((text: string, kind: 'info' | 'error' = 'info') => {
    const toast = { id: ++toastId, text, kind }
    setToasts((list) => [...list.slice(-3), toast])
    setTimeout(
      () => setToasts((list) => list.filter((t) => t !== toast)),
      kind === 'error' ? 8000 : 4000,
    )
  }, [])

  const extras = (
    <>
      <button
        className="ghost"
        onClick={toggleTheme}
        data-testid="theme-toggle"
        title="Switch theme"
      >
        {theme === 'dark' ? 'Light' : 'Dark'}
      </button>
      <button className="ghost" onClick={() => setAboutOpen(true)} data-testid="about-button">
        About
      </button>
    </>
  )

  return (
    <>
      {loadError ? (
        <div className="fatal" data-testid="shell">
          <h2>Flowbench cannot reach its backend</h2>
          <p className="error-text">{loadError}</p>
          <p className="muted">
            In a browser, open the URL that `npm run web` printed (it carries the access token).
          </p>
          {extras}
        </div>
      ) : plugins ? (
        <DesignerView
          plugins={plugins}
          onMessage={onMessage}
          topbarExtras={extras}
          onAbout={() => setAboutOpen(true)}
        />
      ) : (
        <div className="loading-screen" data-testid="loading">
          Loading…
        </div>
      )}
      <div className="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div
            key={t.id}
            className={`toast ${t.kind}`}
            data-testid={t.kind === 'error' ? 'toast-error' : 'toast'}
          >
            {t.text}
          </div>
        ))}
      </div>
      {aboutOpen && <AboutDialog onClose={() => setAboutOpen(false)} />}
    </>
  )
}
