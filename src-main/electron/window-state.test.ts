import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { placeWindow, readWindowState, writeWindowState } from './window-state'

const minimum = { width: 960, height: 600 }
const laptop = { x: 0, y: 0, width: 1920, height: 1050 }
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1400 }

describe('the remembered window', () => {
  it('reopens where it was', () => {
    const saved = { x: 2000, y: 100, width: 1600, height: 1000 }
    expect(placeWindow(saved, [laptop, rightMonitor], minimum)).toEqual(saved)
  })

  it('lets the OS place it when its monitor is gone, or nothing was saved', () => {
    expect(
      placeWindow({ x: 2000, y: 100, width: 1600, height: 1000 }, [laptop], minimum),
    ).toBeNull()
    expect(placeWindow(null, [laptop], minimum)).toBeNull()
  })

  it('shrinks and moves it into the work area of a smaller display', () => {
    expect(placeWindow({ x: 1500, y: -20, width: 2400, height: 1300 }, [laptop], minimum)).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 1050,
    })
  })

  it('survives a missing or broken state file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flowbench-window-'))
    const file = path.join(dir, 'window-state.json')
    expect(readWindowState(file)).toBeNull()
    writeFileSync(file, '{"bounds":{"x":"left"}}')
    expect(readWindowState(file)).toBeNull()
    writeWindowState(file, { bounds: { x: 1, y: 2, width: 1000, height: 700 }, maximized: true })
    expect(readWindowState(file)).toEqual({
      bounds: { x: 1, y: 2, width: 1000, height: 700 },
      maximized: true,
    })
    rmSync(dir, { recursive: true, force: true })
  })
})
