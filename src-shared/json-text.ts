/** JSON parsing that says where the text is broken (line and column, from 1). */
export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; message: string; line: number; column: number }

export function locate(text: string, offset: number): { line: number; column: number } {
  let line = 1
  let lineStart = 0
  const end = Math.min(offset, text.length)
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: end - lineStart + 1 }
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const raw = (error as Error).message
    let where: { line: number; column: number }
    const lineCol = /line (\d+) column (\d+)/.exec(raw)
    const position = /position (\d+)/.exec(raw)
    if (lineCol) where = { line: Number(lineCol[1]), column: Number(lineCol[2]) }
    else if (position) where = locate(text, Number(position[1]))
    else where = locate(text, text.length)
    const reason = raw.replace(/^JSON\.parse: /, '').replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '')
    return { ok: false, message: `${reason} at line ${where.line}, column ${where.column}`, ...where }
  }
}
