/**
 * Segment's snake_case names for system fields in destination filters. Segment documents the classic →
 * Actions cutover with `if: "(received_at >= '…')"` (Destinations digest §4.6), but Switchyard stores
 * messages as they arrive, with `receivedAt`. A filter's top-level `received_at` therefore reads
 * `receivedAt` when the message has no `received_at` of its own; a message that has one keeps it.
 *
 * Only destination filters alias: FQL itself stays generic. The rewrite is on the syntax tree (the first
 * segment of path nodes), once per combination of aliases a message needs, never on the source text.
 */
import { evaluateFql, fqlNode, type FqlExpr, type FqlPredicate } from '../fql/index.ts'

/** Segment's snake_case system field → the camelCase field stored messages carry. */
export const SYSTEM_FIELD_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  received_at: 'receivedAt',
  sent_at: 'sentAt',
  original_timestamp: 'originalTimestamp',
  message_id: 'messageId',
  user_id: 'userId',
  anonymous_id: 'anonymousId',
})

const aliasOf = (name: string): string | undefined =>
  Object.hasOwn(SYSTEM_FIELD_ALIASES, name) ? SYSTEM_FIELD_ALIASES[name] : undefined

/** A predicate for `expr` in which aliased names the message lacks read the camelCase field. */
export function aliasedPredicate(expr: FqlExpr): FqlPredicate {
  const names = [...aliasedNames(expr, new Set())]
  if (names.length === 0) return (message) => evaluateFql(expr, message)
  const variants = new Map<number, FqlExpr>()
  return (message) => {
    let mask = 0
    names.forEach((name, i) => {
      if (!isRecord(message) || !Object.hasOwn(message, name)) mask |= 1 << i
    })
    let variant = variants.get(mask)
    if (variant === undefined) {
      const renamed = new Set(names.filter((_, i) => (mask & (1 << i)) !== 0))
      variant = renamePaths(expr, (first) => (renamed.has(first) ? (aliasOf(first) ?? first) : first))
      variants.set(mask, variant)
    }
    return evaluateFql(variant, message)
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The aliased names `expr` reads as the first segment of a path. */
function aliasedNames(expr: FqlExpr, found: Set<string>): Set<string> {
  forEachChild(expr, (child) => aliasedNames(child, found))
  const first = expr.kind === 'path' ? expr.segments[0] : undefined
  if (first !== undefined && aliasOf(first) !== undefined) found.add(first)
  return found
}

function forEachChild(expr: FqlExpr, visit: (child: FqlExpr) => void): void {
  switch (expr.kind) {
    case 'or':
    case 'and':
      return expr.operands.forEach(visit)
    case 'not':
      return visit(expr.operand)
    case 'compare':
    case 'in':
      visit(expr.left)
      return visit(expr.right)
    case 'call':
      return expr.args.forEach(visit)
    case 'list':
      return expr.items.forEach(visit)
    case 'path':
    case 'literal':
      return
  }
}

/** A copy of `expr` with the first segment of every path passed through `rename`. */
function renamePaths(expr: FqlExpr, rename: (first: string) => string): FqlExpr {
  const map = (child: FqlExpr) => renamePaths(child, rename)
  switch (expr.kind) {
    case 'or':
      return fqlNode.or(expr.operands.map(map))
    case 'and':
      return fqlNode.and(expr.operands.map(map))
    case 'not':
      return fqlNode.not(map(expr.operand))
    case 'compare':
      return fqlNode.compare(expr.operator, map(expr.left), map(expr.right))
    case 'in':
      return fqlNode.in(map(expr.left), map(expr.right))
    case 'call':
      return fqlNode.call(expr.name, expr.args.map(map))
    case 'list':
      return fqlNode.list(expr.items.map(map))
    case 'path': {
      const [first, ...rest] = expr.segments
      if (first === undefined) return expr
      const renamed = rename(first)
      return renamed === first ? expr : fqlNode.path([renamed, ...rest])
    }
    case 'literal':
      return expr
  }
}
