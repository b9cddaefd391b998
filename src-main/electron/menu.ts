/**
 * The application menu as data, built apart from Electron so it can be tested: the app's own File
 * and Run menus (their items become `host.nextCommand` commands for the window), Electron's roles
 * for editing, zoom and windows, and no devtools items in packaged builds.
 */
import type { HostCommand, RecentFile } from '../../src-shared/api/contract'

/** The subset of Electron's MenuItemConstructorOptions this menu uses. */
export interface MenuItem {
  label?: string
  role?: string
  type?: 'separator'
  accelerator?: string
  enabled?: boolean
  click?: () => void
  submenu?: MenuItem[]
}

export interface MenuActions {
  /** Asks the window to do something (it may need the open flow, the dialogs it shows…). */
  command(name: HostCommand['command']): void
  openRecent(path: string): void
  clearRecent(): void
  openDocumentation(): void
}

export interface MenuOptions {
  devTools: boolean
  platform: NodeJS.Platform
  appName: string
  recent: RecentFile[]
  actions: MenuActions
}

export const DOCUMENTATION_URL = 'https://github.com/flowbench/flowbench#readme'

const separator: MenuItem = { type: 'separator' }

export function buildMenuTemplate({
  devTools,
  platform,
  appName,
  recent,
  actions,
}: MenuOptions): MenuItem[] {
  const mac = platform === 'darwin'
  const command = (
    label: string,
    name: HostCommand['command'],
    accelerator?: string,
  ): MenuItem => ({
    label,
    ...(accelerator ? { accelerator } : {}),
    click: () => actions.command(name),
  })

  const openRecent: MenuItem = {
    label: 'Open Recent',
    submenu: [
      ...recent.map((file) => ({ label: file.path, click: () => actions.openRecent(file.path) })),
      ...(recent.length ? [separator] : []),
      { label: 'Clear Recent', enabled: recent.length > 0, click: () => actions.clearRecent() },
    ],
  }
  const file: MenuItem = {
    label: 'File',
    submenu: [
      command('New Flow', 'new', 'CmdOrCtrl+N'),
      command('Open…', 'open', 'CmdOrCtrl+O'),
      openRecent,
      separator,
      command('Save', 'save', 'CmdOrCtrl+S'),
      command('Save As…', 'save-as', 'CmdOrCtrl+Shift+S'),
      separator,
      command('Import Bundle…', 'import-bundle', 'CmdOrCtrl+Shift+O'),
      command('Export Bundle…', 'export-bundle', 'CmdOrCtrl+Shift+E'),
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  }
  const edit: MenuItem = {
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { role: 'selectAll' },
    ],
  }
  // The stock View menu carries Toggle Developer Tools and Force Reload; a packaged build leaves them out.
  const view: MenuItem = {
    label: 'View',
    submenu: [
      ...(devTools ? [{ role: 'reload' }, { role: 'toggleDevTools' }, separator] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  }
  const run: MenuItem = {
    label: 'Run',
    submenu: [
      command('Run', 'run', 'F5'),
      command('Run with…', 'run-with', 'Shift+F5'),
      command('Run Tests', 'run-tests', 'CmdOrCtrl+Shift+T'),
    ],
  }
  const help: MenuItem = {
    role: 'help',
    submenu: [
      { label: 'Documentation', accelerator: 'F1', click: () => actions.openDocumentation() },
      // On macOS About lives in the app menu.
      ...(mac ? [] : [command(`About ${appName}`, 'about')]),
    ],
  }
  const appMenu: MenuItem = {
    label: appName,
    submenu: [
      command(`About ${appName}`, 'about'),
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  }
  return [...(mac ? [appMenu] : []), file, edit, view, run, { role: 'windowMenu' }, help]
}
