/**
 * FQL, Segment's Filter Query Language (Public API digest §4): destination filters' `if`, Protocols
 * transformations. Pure: no I/O, no dependencies. The user-facing description is docs/fql.md.
 *
 *     const parsed = parseFql("type = 'track' and match(event, 'Button *')")
 *     if (parsed.ok) evaluateFql(parsed.expr, message) // true or false
 */
import type { FqlExpr } from './ast.ts'
import { evaluateFql } from './evaluate.ts'
import { parseFql } from './parser.ts'
import type { FqlSyntaxError } from './lexer.ts'

export {
  FQL_FUNCTIONS,
  fqlNode,
  isFqlFunctionName,
  type FqlExpr,
  type FqlFunctionName,
  type FqlComparisonOperator,
  type FqlLiteralValue,
  type FqlOrNode,
  type FqlAndNode,
  type FqlNotNode,
  type FqlCompareNode,
  type FqlInNode,
  type FqlCallNode,
  type FqlListNode,
  type FqlPathNode,
  type FqlLiteralNode,
} from './ast.ts'
export { type FqlSyntaxError } from './lexer.ts'
export { FQL_MAX_DEPTH, parseFql, type FqlParseOptions, type FqlParseResult } from './parser.ts'
export { evaluateFql, evaluateFqlValue } from './evaluate.ts'
export { fqlToString } from './format.ts'
export { compileGlob, globMatches, type GlobCompileResult, type GlobError } from './glob.ts'
export { fqlTypeOf, resolvePath, type FqlTypeName } from './values.ts'

export type FqlPredicate = (message: unknown) => boolean

export type FqlCompileResult =
  { ok: true; expr: FqlExpr; predicate: FqlPredicate } | { ok: false; error: FqlSyntaxError }

/** Parses a condition once and returns a predicate to run on many messages. */
export function compileFql(source: string): FqlCompileResult {
  const parsed = parseFql(source)
  if (!parsed.ok) return parsed
  const { expr } = parsed
  return { ok: true, expr, predicate: (message) => evaluateFql(expr, message) }
}
