import { useState } from 'react'
import { AboutDialog } from './AboutDialog'
import { Palette } from './Palette'
import { useTheme } from './useTheme'

type BottomTab = 'tests' | 'problems' | 'runs'

export function App() {
  const [theme, toggleTheme] = useTheme()
  const [aboutOpen, setAboutOpen] = useState(false)
  const [bottomTab, setBottomTab] = useState<BottomTab>('problems')

  return (
    <div className="shell" data-testid="shell">
      <header className="topbar">
        <div className="brand">
          <img src="./favicon.svg" alt="" width={20} height={20} />
          <span>Flowbench</span>
        </div>
        <div className="topbar-spacer" />
        <button className="ghost" onClick={toggleTheme} data-testid="theme-toggle" title="Switch theme">
          {theme === 'dark' ? 'Light theme' : 'Dark theme'}
        </button>
        <button className="ghost" onClick={() => setAboutOpen(true)} data-testid="about-button">
          About
        </button>
      </header>

      <aside className="sidebar" data-testid="sidebar">
        <section className="panel-section" data-testid="flow-list">
          <h3>Flows</h3>
          <p className="empty">No flows yet.</p>
        </section>
        <section className="panel-section grow" data-testid="palette">
          <h3>Actions</h3>
          <Palette />
        </section>
      </aside>

      <main className="canvas-region" data-testid="canvas">
        <div className="canvas-empty">
          <p>Open a flow from the list, or drag an action here to start one.</p>
        </div>
      </main>

      <aside className="inspector" data-testid="inspector">
        <h3>Inspector</h3>
        <p className="empty">Select a node to configure it.</p>
      </aside>

      <section className="bottom-panel" data-testid="bottom-panel">
        <nav className="tabs" role="tablist">
          {(['problems', 'tests', 'runs'] as const).map((tab) => (
            <button
              key={tab}
              role="tab"
              aria-selected={bottomTab === tab}
              className={bottomTab === tab ? 'tab active' : 'tab'}
              onClick={() => setBottomTab(tab)}
            >
              {tab[0]!.toUpperCase() + tab.slice(1)}
            </button>
          ))}
        </nav>
        <div className="tab-body" data-testid={bottomTab}>
          <p className="empty">
            {bottomTab === 'problems' && 'No problems.'}
            {bottomTab === 'tests' && 'No test cases for this flow.'}
            {bottomTab === 'runs' && 'No runs yet.'}
          </p>
        </div>
      </section>

      {aboutOpen && <AboutDialog onClose={() => setAboutOpen(false)} />}
    </div>
  )
}
