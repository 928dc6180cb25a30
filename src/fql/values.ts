/**
 * FQL's view of JSON values (Public API digest §4.3, §4.5): path lookup, typed equality, ordering and type
 * names. A missing field and JSON `null` are the same value, `null`.
 */

/** The FQL type names `typeof()` returns. Objects are outside the documented set; we call them "object". */
export type FqlTypeName = 'string' | 'number' | 'bool' | 'list' | 'null' | 'object'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const ARRAY_INDEX = /^(0|[1-9][0-9]*)$/

/**
 * The value at `segments` from `root`, or `null` when any step is missing. Only own fields count
 * (`constructor` is not a field of `{}`); a segment of digits indexes into a list, as in `tsub-js`.
 */
export function resolvePath(root: unknown, segments: readonly string[]): unknown {
  let current = root
  for (const segment of segments) {
    if (Array.isArray(current)) {
      if (!ARRAY_INDEX.test(segment)) return null
      current = current[Number(segment)]
    } else if (isRecord(current) && Object.hasOwn(current, segment)) {
      current = current[segment]
    } else {
      return null
    }
    if (current === undefined) return null
  }
  return current === undefined ? null : current
}

export function fqlTypeOf(value: unknown): FqlTypeName {
  if (value === null || value === undefined) return 'null'
  if (Array.isArray(value)) return 'list'
  switch (typeof value) {
    case 'string':
      return 'string'
    case 'number':
      return 'number'
    case 'boolean':
      return 'bool'
    default:
      return 'object'
  }
}

/**
 * `=`: same type and equal. Lists are equal element by element; objects when they hold the same keys
 * with equal values (key order does not matter). `'1' = 1` is false; `null = null` is true.
 */
export function fqlEquals(left: unknown, right: unknown): boolean {
  const type = fqlTypeOf(left)
  if (type !== fqlTypeOf(right)) return false
  if (type === 'null') return true
  if (type === 'list') {
    const a = left as unknown[]
    const b = right as unknown[]
    return a.length === b.length && a.every((item, i) => fqlEquals(item, b[i]))
  }
  if (type === 'object') {
    const a = left as Record<string, unknown>
    const b = right as Record<string, unknown>
    const keys = Object.keys(a)
    if (keys.length !== Object.keys(b).length) return false
    return keys.every((key) => Object.hasOwn(b, key) && fqlEquals(a[key], b[key]))
  }
  return left === right
}

/** Compares strings by Unicode code point (UTF-16 order differs above U+FFFF). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue
    const x = a.codePointAt(i) as number
    const y = b.codePointAt(i) as number
    return x - y
  }
  return a.length - b.length
}

/**
 * `<`, `<=`, `>`, `>=`: two numbers compare numerically, two strings by code point (so ISO-8601
 * timestamps compare chronologically). Any other pair is false.
 */
export function fqlOrder(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  let a: number | string
  let b: number | string
  if (typeof left === 'number' && typeof right === 'number') [a, b] = [left, right]
  else if (typeof left === 'string' && typeof right === 'string') [a, b] = [compareCodePoints(left, right), 0]
  else return false
  switch (operator) {
    case '<':
      return a < b
    case '<=':
      return a <= b
    case '>':
      return a > b
    case '>=':
      return a >= b
  }
}

/** Length of a string in UTF-8 bytes, without allocating (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  let bytes = 0
  for (const char of text) {
    const code = char.codePointAt(0) as number
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4
  }
  return bytes
}
