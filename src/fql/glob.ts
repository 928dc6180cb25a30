/**
 * Glob patterns for `match()` (Public API digest §4.7): the whole string must match, case-sensitively.
 *
 * | pattern  | matches                                              |
 * | -------- | ---------------------------------------------------- |
 * | `*`      | zero or more characters, `/` included                |
 * | `?`      | exactly one character (one Unicode code point)       |
 * | `[abc]`  | one character of the set; `[^abc]` one not in it     |
 * | `[a-z]`  | one character of the range                           |
 * | `\x`     | `x` itself (`\*`, `\?`, `\[`, `\]`, `\\`)            |
 *
 * As in Segment's Go matcher (and `tsub-js`), `-` and `]` must be escaped inside `[…]`, and a malformed
 * pattern matches nothing. Matching is linear in the pattern times the string, never exponential.
 */

type GlobToken =
  | { kind: 'star' }
  | { kind: 'any' }
  | { kind: 'char'; char: number }
  | { kind: 'class'; negated: boolean; ranges: [number, number][] }

export interface GlobError {
  message: string
  /** Index in the pattern of the character at fault. */
  offset: number
}

export type GlobCompileResult = { ok: true; tokens: readonly GlobToken[] } | { ok: false; error: GlobError }

const STAR = 0x2a
const QUESTION = 0x3f
const OPEN = 0x5b
const CLOSE = 0x5d
const BACKSLASH = 0x5c
const CARET = 0x5e
const DASH = 0x2d

/** Splits a pattern into tokens, or says what is wrong with it and where. */
export function compileGlob(pattern: string): GlobCompileResult {
  const tokens: GlobToken[] = []
  let index = 0
  const fail = (offset: number, message: string): GlobCompileResult => ({
    ok: false,
    error: { message, offset },
  })
  while (index < pattern.length) {
    const code = pattern.codePointAt(index) as number
    if (code === STAR) {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' })
      index++
    } else if (code === QUESTION) {
      tokens.push({ kind: 'any' })
      index++
    } else if (code === BACKSLASH) {
      const escaped = pattern.codePointAt(index + 1)
      if (escaped === undefined)
        return fail(index, "the pattern ends with '\\'; write '\\\\' for a backslash")
      tokens.push({ kind: 'char', char: escaped })
      index += 1 + (escaped > 0xffff ? 2 : 1)
    } else if (code === OPEN) {
      const parsed = compileClass(pattern, index)
      if (!parsed.ok) return parsed
      tokens.push(parsed.token)
      index = parsed.next
    } else {
      tokens.push({ kind: 'char', char: code })
      index += code > 0xffff ? 2 : 1
    }
  }
  return { ok: true, tokens }
}

type ClassResult = { ok: true; token: GlobToken; next: number } | { ok: false; error: GlobError }

/** Reads `[…]` starting at `open`. */
function compileClass(pattern: string, open: number): ClassResult {
  const fail = (offset: number, message: string): ClassResult => ({ ok: false, error: { message, offset } })
  let index = open + 1
  const negated = pattern.codePointAt(index) === CARET
  if (negated) index++
  const ranges: [number, number][] = []
  for (;;) {
    const code = pattern.codePointAt(index)
    if (code === undefined) return fail(open, "unterminated '[': no closing ']'")
    if (code === CLOSE) {
      if (ranges.length === 0) return fail(index, "empty '[]': write '\\]' for a literal ']'")
      return { ok: true, token: { kind: 'class', negated, ranges }, next: index + 1 }
    }
    const low = classChar(pattern, index, open)
    if (!low.ok) return low
    index = low.next
    let high = low.char
    if (pattern.codePointAt(index) === DASH) {
      const upper = classChar(pattern, index + 1, open)
      if (!upper.ok) return upper
      high = upper.char
      index = upper.next
    }
    ranges.push([low.char, high])
  }
}

type CharResult = { ok: true; char: number; next: number } | { ok: false; error: GlobError }

/** One possibly escaped character inside `[…]`. */
function classChar(pattern: string, index: number, open: number): CharResult {
  const fail = (offset: number, message: string): CharResult => ({ ok: false, error: { message, offset } })
  let code = pattern.codePointAt(index)
  if (code === undefined) return fail(open, "unterminated '[': no closing ']'")
  if (code === DASH || code === CLOSE) {
    return fail(
      index,
      `unescaped '${String.fromCodePoint(code)}' inside '[…]'; write '\\${String.fromCodePoint(code)}'`,
    )
  }
  if (code === BACKSLASH) {
    index++
    code = pattern.codePointAt(index)
    if (code === undefined) return fail(open, "unterminated '[': no closing ']'")
  }
  return { ok: true, char: code, next: index + (code > 0xffff ? 2 : 1) }
}

function matchesOne(token: GlobToken, char: number): boolean {
  switch (token.kind) {
    case 'any':
      return true
    case 'char':
      return token.char === char
    case 'class':
      return token.ranges.some(([low, high]) => low <= char && char <= high) !== token.negated
    case 'star':
      return false
  }
}

/** Whether the whole `text` matches compiled tokens. Backtracks only to the last `*`: O(pattern × text). */
export function matchGlobTokens(tokens: readonly GlobToken[], text: string): boolean {
  const chars = Array.from(text, (char) => char.codePointAt(0) as number)
  let t = 0
  let s = 0
  let starToken = -1
  let starChar = 0
  while (s < chars.length) {
    const token = tokens[t]
    if (token !== undefined && token.kind === 'star') {
      starToken = t
      starChar = s
      t++
    } else if (token !== undefined && matchesOne(token, chars[s] as number)) {
      t++
      s++
    } else if (starToken >= 0) {
      t = starToken + 1
      starChar++
      s = starChar
    } else {
      return false
    }
  }
  while (tokens[t]?.kind === 'star') t++
  return t === tokens.length
}

/** `match(text, pattern)`: a malformed pattern matches nothing. */
export function globMatches(text: string, pattern: string): boolean {
  const compiled = compileGlob(pattern)
  return compiled.ok && matchGlobTokens(compiled.tokens, text)
}
