/**
 * JSON parsing that says where the text is broken (line and column, from 1). JSON.parse does
 * the parsing; when it fails, jsonc-parser (VS Code's) finds the place, since V8's messages do
 * not always carry a position.
 */
import { parse as parseTolerant, printParseErrorCode } from 'jsonc-parser'
import type { ParseError } from 'jsonc-parser'

export type JsonParseResult =
  | { ok: true; value: unknown }
  | { ok: false; message: string; line: number; column: number; offset: number }

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

const REASONS: Record<string, string> = {
  InvalidSymbol: 'Unexpected character',
  InvalidNumberFormat: 'Invalid number',
  PropertyNameExpected: 'Expected a property name in double quotes',
  ValueExpected: 'Expected a value',
  ColonExpected: 'Expected ":"',
  CommaExpected: 'Expected "," or a closing bracket',
  CloseBraceExpected: 'Expected "}"',
  CloseBracketExpected: 'Expected "]"',
  EndOfFileExpected: 'Unexpected text after the JSON value',
  InvalidCommentToken: 'Comments are not allowed in JSON',
  UnexpectedEndOfComment: 'Comments are not allowed in JSON',
  UnexpectedEndOfString: 'Unterminated string',
  UnexpectedEndOfNumber: 'Unterminated number',
  InvalidUnicode: 'Invalid unicode escape',
  InvalidEscapeCharacter: 'Invalid escape character',
  InvalidCharacter: 'Invalid character in a string',
}

export function parseJsonText(text: string): JsonParseResult {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (error) {
    const errors: ParseError[] = []
    parseTolerant(text, errors, {
      disallowComments: true,
      allowTrailingComma: false,
      allowEmptyContent: false,
    })
    const first = errors[0]
    if (first) {
      const where = locate(text, first.offset)
      const code = printParseErrorCode(first.error)
      const reason = text.trim() === '' ? 'The text is empty' : (REASONS[code] ?? code)
      return {
        ok: false,
        message: `${reason} at line ${where.line}, column ${where.column}`,
        offset: first.offset,
        ...where,
      }
    }
    // jsonc-parser accepted what JSON.parse did not (e.g. a lone surrogate): fall back to the end.
    const where = locate(text, text.length)
    return {
      ok: false,
      message: `${(error as Error).message} at line ${where.line}, column ${where.column}`,
      offset: text.length,
      ...where,
    }
  }
}
