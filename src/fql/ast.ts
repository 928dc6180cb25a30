/**
 * FQL syntax tree: frozen nodes with a `kind` discriminant, built only through the factories below
 * (Kysely's operation nodes are the model). `and`/`or` are n-ary, so a long chain of conditions is one
 * flat node, never a deep tree.
 */

/** The functions of the Public API's FQL page (Public API digest §4.6), nothing more. */
export const FQL_FUNCTIONS = [
  'contains',
  'match',
  'length',
  'lowercase',
  'uppercase',
  'snakecase',
  'kebabcase',
  'titlecase',
  'typeof',
  'bool',
  'string',
  'number',
] as const

export type FqlFunctionName = (typeof FQL_FUNCTIONS)[number]

export const isFqlFunctionName = (name: string): name is FqlFunctionName =>
  (FQL_FUNCTIONS as readonly string[]).includes(name)

/** Comparison operators. `in` has its own node. */
export type FqlComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>='

export type FqlLiteralValue = string | number | boolean | null

export interface FqlOrNode {
  readonly kind: 'or'
  readonly operands: readonly FqlExpr[]
}
export interface FqlAndNode {
  readonly kind: 'and'
  readonly operands: readonly FqlExpr[]
}
export interface FqlNotNode {
  readonly kind: 'not'
  readonly operand: FqlExpr
}
export interface FqlCompareNode {
  readonly kind: 'compare'
  readonly operator: FqlComparisonOperator
  readonly left: FqlExpr
  readonly right: FqlExpr
}
export interface FqlInNode {
  readonly kind: 'in'
  readonly left: FqlExpr
  readonly right: FqlExpr
}
export interface FqlCallNode {
  readonly kind: 'call'
  readonly name: FqlFunctionName
  readonly args: readonly FqlExpr[]
}
export interface FqlListNode {
  readonly kind: 'list'
  readonly items: readonly FqlExpr[]
}
/** A field path: the keys from the message root, escapes already removed. */
export interface FqlPathNode {
  readonly kind: 'path'
  readonly segments: readonly string[]
}
export interface FqlLiteralNode {
  readonly kind: 'literal'
  readonly value: FqlLiteralValue
}

export type FqlExpr =
  | FqlOrNode
  | FqlAndNode
  | FqlNotNode
  | FqlCompareNode
  | FqlInNode
  | FqlCallNode
  | FqlListNode
  | FqlPathNode
  | FqlLiteralNode

const frozen = <T extends object>(node: T): T => Object.freeze(node)

/** Node factories. Arrays are copied and frozen, so a node never changes after it is built. */
export const fqlNode = Object.freeze({
  or: (operands: readonly FqlExpr[]): FqlOrNode =>
    frozen({ kind: 'or', operands: Object.freeze([...operands]) }),
  and: (operands: readonly FqlExpr[]): FqlAndNode =>
    frozen({ kind: 'and', operands: Object.freeze([...operands]) }),
  not: (operand: FqlExpr): FqlNotNode => frozen({ kind: 'not', operand }),
  compare: (operator: FqlComparisonOperator, left: FqlExpr, right: FqlExpr): FqlCompareNode =>
    frozen({ kind: 'compare', operator, left, right }),
  in: (left: FqlExpr, right: FqlExpr): FqlInNode => frozen({ kind: 'in', left, right }),
  call: (name: FqlFunctionName, args: readonly FqlExpr[]): FqlCallNode =>
    frozen({ kind: 'call', name, args: Object.freeze([...args]) }),
  list: (items: readonly FqlExpr[]): FqlListNode =>
    frozen({ kind: 'list', items: Object.freeze([...items]) }),
  path: (segments: readonly string[]): FqlPathNode =>
    frozen({ kind: 'path', segments: Object.freeze([...segments]) }),
  literal: (value: FqlLiteralValue): FqlLiteralNode => frozen({ kind: 'literal', value }),
})
