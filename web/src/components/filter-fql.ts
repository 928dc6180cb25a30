import type { FilterFields } from '../api/models.ts'

/**
 * Small pure helpers for the destination filter editor: writing FQL (docs/fql.md) from the
 * builder's choices, and the `fields` of property actions as a list of dotted paths.
 */

/** FQL words that a top-level field name must escape (`\null`). */
const RESERVED = new Set(['and', 'or', 'in', 'null', 'true', 'false'])

/** One key of a field path: characters other than `a-z A-Z 0-9 _ -` are escaped with `\`. */
function escapeKey(key: string, first: boolean): string {
  const escaped = key.replace(/[^A-Za-z0-9_-]/g, (c) => `\\${c}`)
  if (first && (RESERVED.has(key) || /^[0-9-]/.test(key))) return `\\${escaped}`
  return escaped
}

/** A field path as FQL writes it: `properties.plan`, `properties.product\ 1.price`. */
export function fqlPath(path: string): string {
  return path
    .split('.')
    .map((key, i) => escapeKey(key, i === 0))
    .join('.')
}

/**
 * A string literal. FQL has no escapes: a value holding `'` is written in double quotes, and one
 * holding both kinds of quote can't be written (undefined).
 */
export function fqlString(text: string): string | undefined {
  if (!text.includes("'")) return `'${text}'`
  if (!text.includes('"')) return `"${text}"`
  return undefined
}

/**
 * A value typed in the builder: numbers, `true`, `false` and `null` as themselves, text quoted
 * (already quoted text is kept, so `'42'` stays a string).
 */
export function fqlValue(typed: string): string | undefined {
  const text = typed.trim()
  if (/^[+-]?\d+(\.\d+)?$/.test(text) || text === 'true' || text === 'false' || text === 'null') return text
  if (/^'[^']*'$/.test(text) || /^"[^"]*"$/.test(text)) return text
  return fqlString(typed)
}

export type BuilderOperator =
  'equals' | 'not_equals' | 'contains' | 'matches' | 'greater' | 'less' | 'exists' | 'missing'

export const OPERATORS: Array<{ value: BuilderOperator; label: string; needsValue: boolean }> = [
  { value: 'equals', label: 'is', needsValue: true },
  { value: 'not_equals', label: 'is not', needsValue: true },
  { value: 'contains', label: 'contains', needsValue: true },
  { value: 'matches', label: 'matches the pattern', needsValue: true },
  { value: 'greater', label: 'is greater than', needsValue: true },
  { value: 'less', label: 'is less than', needsValue: true },
  { value: 'exists', label: 'is set', needsValue: false },
  { value: 'missing', label: 'is not set', needsValue: false },
]

/** One comparison as FQL, or a reason it can't be written; `asText` quotes the value whatever it is. */
export function fqlComparison(
  path: string,
  operator: BuilderOperator,
  typed: string,
  asText = false,
): { fql: string } | { problem: string } {
  if (path.trim() === '') return { problem: 'Name a field first.' }
  const field = fqlPath(path.trim())
  if (operator === 'exists') return { fql: `${field} != null` }
  if (operator === 'missing') return { fql: `${field} = null` }
  const value =
    asText || operator === 'contains' || operator === 'matches' ? fqlString(typed) : fqlValue(typed)
  if (value === undefined) return { problem: 'A value can’t hold both kinds of quote (\' and ").' }
  switch (operator) {
    case 'equals':
      return { fql: `${field} = ${value}` }
    case 'not_equals':
      return { fql: `${field} != ${value}` }
    case 'contains':
      return { fql: `contains( ${field}, ${value} )` }
    case 'matches':
      return { fql: `match( ${field}, ${value} )` }
    case 'greater':
      return { fql: `${field} > ${value}` }
    case 'less':
      return { fql: `${field} < ${value}` }
  }
}

/**
 * Adds a clause to the condition: replaces an empty condition or `all`, else joins with `and` or
 * `or`, parenthesising the existing condition when it mixes in the other operator.
 */
export function joinCondition(existing: string, clause: string, join: 'and' | 'or'): string {
  const current = existing.trim()
  if (current === '' || current === 'all') return clause
  const other = join === 'and' ? /\bor\b/ : /\band\b/
  const left = other.test(current) ? `( ${current} )` : current
  return `${left} ${join} ${clause}`
}

/** `{properties: ['email'], '': ['userId']}` → `['properties.email', 'userId']`. */
export function fieldsToPaths(fields: FilterFields): string[] {
  return Object.entries(fields).flatMap(([path, names]) =>
    names.map((name) => (path === '' ? name : `${path}.${name}`)),
  )
}

/** The reverse: each path's last key in the object named by the rest (`""` for the top level). */
export function pathsToFields(paths: string[]): FilterFields {
  const fields: FilterFields = {}
  for (const raw of paths) {
    const path = raw.trim()
    if (path === '') continue
    const dot = path.lastIndexOf('.')
    const object = dot < 0 ? '' : path.slice(0, dot)
    const name = dot < 0 ? path : path.slice(dot + 1)
    ;(fields[object] ??= []).push(name)
  }
  return fields
}

/** The dotted paths of every leaf of an event (`properties.total`, `context.library.name`). */
export function leafPaths(value: unknown, prefix = '', out: string[] = [], depth = 0): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || depth > 6) {
    if (prefix) out.push(prefix)
    return out
  }
  for (const [key, child] of Object.entries(value))
    leafPaths(child, prefix ? `${prefix}.${key}` : key, out, depth + 1)
  return out
}

/** What an action removed from an event: the paths of keys in `before` that `after` lacks. */
export function removedPaths(
  before: unknown,
  after: unknown,
  prefix = '',
  out = new Set<string>(),
): string[] {
  if (Array.isArray(before) && Array.isArray(after)) {
    before.forEach((item, i) => removedPaths(item, after[i], `${prefix}[]`, out))
  } else if (isObject(before) && isObject(after)) {
    for (const [key, child] of Object.entries(before)) {
      const path = prefix ? `${prefix}.${key}` : key
      if (!Object.hasOwn(after, key)) out.add(path)
      else removedPaths(child, after[key], path, out)
    }
  }
  return [...out]
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
