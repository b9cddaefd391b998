// electron-vite config for the smoke tests: the main process and the preload as the app builds
// them, without the renderer (slow to build, and the tests serve a stand-in page).
import { defineConfig } from 'electron-vite'
import { mainConfig, preloadConfig } from '../../electron.vite.config'

export default defineConfig({ main: mainConfig, preload: preloadConfig })
