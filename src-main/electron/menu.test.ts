import { describe, expect, it } from 'vitest'
import type { MenuItem } from './menu'
import { buildMenuTemplate } from './menu'

/** Accelerators Electron gives the roles this menu uses (electron/lib/browser/api/menu-item-roles.ts). */
const ROLE_ACCELERATORS: Record<
  string,
  Partial<Record<NodeJS.Platform, string>> & { all?: string }
> = {
  undo: { all: 'CommandOrControl+Z' },
  redo: {
    darwin: 'Shift+CommandOrControl+Z',
    win32: 'Control+Y',
    linux: 'Shift+CommandOrControl+Z',
  },
  cut: { all: 'CommandOrControl+X' },
  copy: { all: 'CommandOrControl+C' },
  paste: { all: 'CommandOrControl+V' },
  selectAll: { all: 'CommandOrControl+A' },
  close: { all: 'CommandOrControl+W' },
  quit: { darwin: 'CommandOrControl+Q', win32: undefined, linux: 'Control+Q' },
  reload: { all: 'CmdOrCtrl+R' },
  toggleDevTools: { darwin: 'Alt+Command+I', linux: 'Ctrl+Shift+I', win32: 'Ctrl+Shift+I' },
  resetZoom: { all: 'CommandOrControl+0' },
  zoomIn: { all: 'CommandOrControl+Plus' },
  zoomOut: { all: 'CommandOrControl+-' },
  togglefullscreen: { darwin: 'Control+Command+F', win32: 'F11', linux: 'F11' },
  hide: { darwin: 'Command+H' },
  hideOthers: { darwin: 'Command+Alt+H' },
}

/** The renderer's own shortcuts that mean something else than any menu item (shortcuts.tsx). */
const RENDERER_ONLY = ['CmdOrCtrl+D', 'CmdOrCtrl+Shift+L', 'CmdOrCtrl+Enter', 'F']

function leaves(items: MenuItem[]): MenuItem[] {
  return items.flatMap((item) => (item.submenu ? [item, ...leaves(item.submenu)] : [item]))
}

/** One spelling for comparison: Cmd/Command/Control/Ctrl/CmdOrCtrl as the key they are on this platform. */
function normalise(accelerator: string, platform: NodeJS.Platform): string {
  const mod = platform === 'darwin' ? 'Cmd' : 'Ctrl'
  return accelerator
    .split('+')
    .map((part) =>
      /^(CommandOrControl|CmdOrCtrl)$/i.test(part)
        ? mod
        : /^(Command|Cmd)$/i.test(part)
          ? 'Cmd'
          : /^(Control|Ctrl)$/i.test(part)
            ? 'Ctrl'
            : part,
    )
    .map((part) => part.toLowerCase())
    .sort()
    .join('+')
}

function acceleratorOf(item: MenuItem, platform: NodeJS.Platform): string | undefined {
  if (item.accelerator) return item.accelerator
  const defaults = item.role ? ROLE_ACCELERATORS[item.role] : undefined
  return defaults ? (platform in defaults ? defaults[platform] : defaults.all) : undefined
}

const actionsLog: string[] = []
const actions = {
  command: (name: string) => void actionsLog.push(`command:${name}`),
  openRecent: (path: string) => void actionsLog.push(`recent:${path}`),
  clearRecent: () => void actionsLog.push('clear'),
  openDocumentation: () => void actionsLog.push('docs'),
}
const recent = [
  { path: '/home/ana/orders.flow.json', name: 'orders.flow.json', kind: 'flow' as const },
  { path: '/home/ana/shop.flowbundle', name: 'shop.flowbundle', kind: 'bundle' as const },
]

describe.each(['linux', 'win32', 'darwin'] as const)('the application menu on %s', (platform) => {
  for (const devTools of [false, true]) {
    const template = buildMenuTemplate({
      devTools,
      platform,
      appName: 'Flowbench',
      recent,
      actions,
    })
    const items = leaves(template)

    it(`gives every item a role or a handler (devTools: ${devTools})`, () => {
      for (const item of items) {
        if (item.type === 'separator') continue
        const what = item.label ?? item.role
        expect(
          item.role !== undefined || item.click !== undefined || item.submenu !== undefined,
          what,
        ).toBe(true)
        expect(item.label !== undefined || item.role !== undefined, what).toBe(true)
      }
    })

    it(`has no two items on one accelerator, and none on the canvas's own shortcuts (devTools: ${devTools})`, () => {
      const seen = new Map<string, string>()
      for (const item of items) {
        const accelerator = acceleratorOf(item, platform)
        if (!accelerator) continue
        const key = normalise(accelerator, platform)
        const what = item.label ?? item.role ?? '?'
        expect(seen.get(key), `${what} and ${seen.get(key)} share ${accelerator}`).toBeUndefined()
        seen.set(key, what)
      }
      for (const shortcut of RENDERER_ONLY)
        expect(seen.get(normalise(shortcut, platform)), shortcut).toBeUndefined()
    })
  }

  it('has the app’s own menus with their accelerators', () => {
    const template = buildMenuTemplate({
      devTools: false,
      platform,
      appName: 'Flowbench',
      recent,
      actions,
    })
    const menu = (label: string) =>
      template.find((m) => m.label === label || m.role === label)!.submenu!
    const labels = (items: MenuItem[]) =>
      items.filter((i) => i.label).map((i) => [i.label, i.accelerator ?? null])
    expect(labels(menu('File'))).toEqual([
      ['New Flow', 'CmdOrCtrl+N'],
      ['Open…', 'CmdOrCtrl+O'],
      ['Open Recent', null],
      ['Save', 'CmdOrCtrl+S'],
      ['Save As…', 'CmdOrCtrl+Shift+S'],
      ['Import Bundle…', 'CmdOrCtrl+Shift+O'],
      ['Export Bundle…', 'CmdOrCtrl+Shift+E'],
    ])
    expect(labels(menu('Run'))).toEqual([
      ['Run', 'F5'],
      ['Run with…', 'Shift+F5'],
      ['Run Tests', 'CmdOrCtrl+Shift+T'],
    ])
    expect(
      menu('Edit')
        .map((i) => i.role)
        .filter(Boolean),
    ).toEqual(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll'])
    const help = menu('help').map((i) => i.label)
    expect(help[0]).toBe('Documentation')
    // About is in the Help menu, or on macOS in the app menu.
    const about = platform === 'darwin' ? template[0]!.submenu! : menu('help')
    expect(about.some((i) => i.label === 'About Flowbench')).toBe(true)
  })

  it('sends each item’s command to the window, and lists the recent files', () => {
    actionsLog.length = 0
    const template = buildMenuTemplate({
      devTools: false,
      platform,
      appName: 'Flowbench',
      recent,
      actions,
    })
    for (const item of leaves(template)) if (item.click && item.enabled !== false) item.click()
    expect(actionsLog).toEqual(
      expect.arrayContaining([
        'command:new',
        'command:open',
        'command:save',
        'command:save-as',
        'command:import-bundle',
        'command:export-bundle',
        'command:run',
        'command:run-with',
        'command:run-tests',
        'command:about',
        'recent:/home/ana/orders.flow.json',
        'recent:/home/ana/shop.flowbundle',
        'clear',
        'docs',
      ]),
    )
    const empty = buildMenuTemplate({
      devTools: false,
      platform,
      appName: 'Flowbench',
      recent: [],
      actions,
    })
    const recentMenu = leaves(empty).find((i) => i.label === 'Open Recent')!.submenu!
    expect(recentMenu).toEqual([expect.objectContaining({ label: 'Clear Recent', enabled: false })])
  })

  it('has devtools items only when not packaged', () => {
    const packaged = JSON.stringify(
      buildMenuTemplate({ devTools: false, platform, appName: 'Flowbench', recent, actions }),
    )
    expect(packaged).not.toMatch(/toggleDevTools|viewMenu|forceReload|"reload"/)
    const dev = JSON.stringify(
      buildMenuTemplate({ devTools: true, platform, appName: 'Flowbench', recent, actions }),
    )
    expect(dev).toContain('toggleDevTools')
  })
})
