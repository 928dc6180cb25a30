/**
 * FQL lexer (Public API digest §4.2, lexical details from Segment's `fql-ts`). The parser pulls one token
 * at a time, so the first error from the left is the one reported, whether lexical or grammatical.
 *
 * - Whitespace: space, tab, newline (and carriage return, so CRLF text works).
 * - Strings: `'…'` or `"…"`, ending at the next identical quote. No escape sequences: a backslash is an
 *   ordinary character, and a string holding `'` is written with double quotes.
 * - Numbers: optional `+`/`-`, digits, at most one decimal point followed by digits. `5.`, `.5`, `5.0.0`,
 *   `1e5` and `- 5` are errors.
 * - Paths: segments of `a-z A-Z 0-9 _ -` joined by `.` with no spaces; `\` escapes any one character. The
 *   first segment starts with a letter, `_` or an escape (a digit or sign starts a number).
 * - Keywords `and or in null true false`: lowercase, and only as a whole unescaped single-segment word,
 *   so `android`, `order`, `null.x` and `\null` are paths.
 */
import type { FqlComparisonOperator } from './ast.ts'

export type FqlKeyword = 'and' | 'or' | 'in' | 'null' | 'true' | 'false'
export type FqlPunctuation = '!' | '(' | ')' | '[' | ']' | ','

interface Span {
  /** 0-based index of the token's first character. */
  start: number
  /** Index just past the token. */
  end: number
}

export type FqlToken = Span &
  (
    | { kind: 'string'; value: string }
    | { kind: 'number'; value: number }
    | { kind: 'path'; segments: string[] }
    | { kind: 'keyword'; value: FqlKeyword }
    | { kind: 'operator'; value: FqlComparisonOperator }
    | { kind: 'punctuation'; value: FqlPunctuation }
    | { kind: 'end' }
  )

/** A syntax error: what was expected, and the 0-based character position where it went wrong. */
export interface FqlSyntaxError {
  message: string
  position: number
}

export type LexResult = { ok: true; token: FqlToken } | { ok: false; error: FqlSyntaxError }

const KEYWORDS: ReadonlySet<string> = new Set<FqlKeyword>(['and', 'or', 'in', 'null', 'true', 'false'])

export const isWhitespace = (char: string | undefined) =>
  char === ' ' || char === '\t' || char === '\n' || char === '\r'
export const isDigit = (char: string | undefined) => char !== undefined && char >= '0' && char <= '9'
const isLetter = (char: string | undefined) =>
  char !== undefined && ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z'))
/** Characters allowed unescaped in a path segment: `a-z A-Z 0-9 _ -`. */
export const isSegmentChar = (char: string | undefined) =>
  isLetter(char) || isDigit(char) || char === '_' || char === '-'

/** Builds an error; `{at}` in the text becomes "at position N". */
export const syntaxError = (position: number, text: string): FqlSyntaxError => ({
  message: text.replace('{at}', `at position ${position}`),
  position,
})

/** Names a character for an error message; JSON quoting makes control characters visible. */
export const showChar = (char: string) => (char >= ' ' && char !== "'" ? `'${char}'` : JSON.stringify(char))

/** The code point at `index` as a string (a whole surrogate pair when there is one). */
const charAt = (source: string, index: number) => String.fromCodePoint(source.codePointAt(index) ?? 0)

/** Reads the token that starts at or after `position` (whitespace is skipped). */
export function lexToken(source: string, position: number): LexResult {
  let start = position
  while (isWhitespace(source[start])) start++
  const char = source[start]
  if (char === undefined) return token({ kind: 'end', start, end: start })
  if (char === "'" || char === '"') return lexString(source, start)
  if (isDigit(char) || char === '-' || char === '+') return lexNumber(source, start)
  if (isLetter(char) || char === '_' || char === '\\') return lexPath(source, start)
  if (char === '=') return token({ kind: 'operator', value: '=', start, end: start + 1 })
  if (char === '<' || char === '>') {
    const twoChars = source[start + 1] === '='
    const value = (twoChars ? `${char}=` : char) as FqlComparisonOperator
    return token({ kind: 'operator', value, start, end: start + (twoChars ? 2 : 1) })
  }
  if (char === '!') {
    if (source[start + 1] === '=') return token({ kind: 'operator', value: '!=', start, end: start + 2 })
    return token({ kind: 'punctuation', value: '!', start, end: start + 1 })
  }
  if (char === '(' || char === ')' || char === '[' || char === ']' || char === ',') {
    return token({ kind: 'punctuation', value: char, start, end: start + 1 })
  }
  const shown = charAt(source, start)
  const hint = char === '.' ? ' (a path starts with a letter, "_" or "\\")' : ''
  return fail(start, `unexpected character ${showChar(shown)} {at}${hint}`)
}

const token = (value: FqlToken): LexResult => ({ ok: true, token: value })
const fail = (position: number, text: string): LexResult => ({
  ok: false,
  error: syntaxError(position, text),
})

function lexString(source: string, start: number): LexResult {
  const quote = source[start] as string
  const close = source.indexOf(quote, start + 1)
  if (close === -1) {
    return fail(start, `unterminated string: no closing ${quote} for the string that starts {at}`)
  }
  return token({ kind: 'string', value: source.slice(start + 1, close), start, end: close + 1 })
}

function lexNumber(source: string, start: number): LexResult {
  let index = start
  if (source[index] === '-' || source[index] === '+') {
    index++
    if (!isDigit(source[index])) return fail(index, `expected a digit after '${source[start]}' {at}`)
  }
  while (isDigit(source[index])) index++
  if (source[index] === '.') {
    index++
    if (!isDigit(source[index])) return fail(index, 'expected a digit after the decimal point {at}')
    while (isDigit(source[index])) index++
    if (source[index] === '.')
      return fail(index, 'a number has at most one decimal point: unexpected "." {at}')
  }
  const next = source[index]
  if (next === '.' || isSegmentChar(next) || next === '\\') {
    return fail(index, `unexpected ${showChar(charAt(source, index))} after a number {at}`)
  }
  return token({ kind: 'number', value: Number(source.slice(start, index)), start, end: index })
}

function lexPath(source: string, start: number): LexResult {
  const segments: string[] = []
  let index = start
  for (;;) {
    let segment = ''
    const segmentStart = index
    for (;;) {
      const char = source[index]
      if (char === '\\') {
        if (index + 1 >= source.length) return fail(index, "expected a character after '\\' {at}")
        const escaped = charAt(source, index + 1)
        segment += escaped
        index += 1 + escaped.length
      } else if (isSegmentChar(char)) {
        segment += char
        index++
      } else break
    }
    if (index === segmentStart) return fail(index, "expected a field name after '.' {at}")
    segments.push(segment)
    if (source[index] !== '.') break
    index++
  }
  const text = source.slice(start, index)
  if (KEYWORDS.has(text)) return token({ kind: 'keyword', value: text as FqlKeyword, start, end: index })
  return token({ kind: 'path', segments, start, end: index })
}
