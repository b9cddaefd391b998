/**
 * The window's size and position, remembered between launches. Plain Node: main reads the saved
 * bounds before creating the window and writes them when it closes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface Rectangle {
  x: number
  y: number
  width: number
  height: number
}

export interface WindowState {
  bounds: Rectangle
  maximized: boolean
}

const isRectangle = (value: unknown): value is Rectangle =>
  typeof value === 'object' &&
  value !== null &&
  ['x', 'y', 'width', 'height'].every((key) =>
    Number.isFinite((value as Record<string, unknown>)[key]),
  )

export function readWindowState(file: string): WindowState | null {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as {
      bounds?: unknown
      maximized?: unknown
    }
    return isRectangle(parsed.bounds)
      ? { bounds: parsed.bounds, maximized: parsed.maximized === true }
      : null
  } catch {
    return null
  }
}

export function writeWindowState(file: string, state: WindowState): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true })
    writeFileSync(file, JSON.stringify(state))
  } catch {
    // Losing the window's position is not worth an error at quit.
  }
}

/**
 * Where to put the window: the saved bounds when they still show on a display (a monitor may have
 * been unplugged since), shrunk to that display's work area; otherwise nothing, and the OS decides.
 */
export function placeWindow(
  saved: Rectangle | null | undefined,
  workAreas: readonly Rectangle[],
  minimum: { width: number; height: number },
): Rectangle | null {
  if (!saved) return null
  // The display that shows most of the window's title bar region; at least 100×40 px of it must be visible.
  const visible = (area: Rectangle) =>
    Math.max(0, Math.min(saved.x + saved.width, area.x + area.width) - Math.max(saved.x, area.x)) *
    Math.max(0, Math.min(saved.y + 40, area.y + area.height) - Math.max(saved.y, area.y))
  const area = [...workAreas].sort((a, b) => visible(b) - visible(a))[0]
  if (!area || visible(area) < 100 * 40) return null
  const width = Math.max(minimum.width, Math.min(saved.width, area.width))
  const height = Math.max(minimum.height, Math.min(saved.height, area.height))
  const x = Math.min(Math.max(saved.x, area.x), area.x + area.width - Math.min(width, area.width))
  const y = Math.min(
    Math.max(saved.y, area.y),
    area.y + area.height - Math.min(height, area.height),
  )
  return { x, y, width, height }
}
