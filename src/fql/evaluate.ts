/**
 * FQL evaluation against one message (Public API digest §4.5). Run-time type mismatches are never errors:
 * they make a comparison false or a function return its default.
 *
 * - A condition holds only when its value is exactly `true`; `null`, a missing field, strings and
 *   numbers count as false. So `and` is true when both sides are true, `or` when at least one is, and
 *   `!x` is true whenever `x` is not `true`.
 * - `=` needs the same type and value; `!=` is its negation.
 * - `<` `<=` `>` `>=` compare two numbers or two strings; anything else is false.
 * - `v in list` is true when the list holds an element `= v`; it is false when the right side is not a list.
 */
import type { FqlExpr } from './ast.ts'
import { FQL_FUNCTION_SPECS } from './functions.ts'
import { fqlEquals, fqlOrder, resolvePath } from './values.ts'

/** The value of any expression: a JSON value from the message or a literal, or a function's result. */
export function evaluateFqlValue(expr: FqlExpr, message: unknown): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value
    case 'path':
      return resolvePath(message, expr.segments)
    case 'list':
      return expr.items.map((item) => evaluateFqlValue(item, message))
    case 'not':
      return !holds(expr.operand, message)
    case 'and':
      return expr.operands.every((operand) => holds(operand, message))
    case 'or':
      return expr.operands.some((operand) => holds(operand, message))
    case 'compare': {
      const left = evaluateFqlValue(expr.left, message)
      const right = evaluateFqlValue(expr.right, message)
      if (expr.operator === '=') return fqlEquals(left, right)
      if (expr.operator === '!=') return !fqlEquals(left, right)
      return fqlOrder(expr.operator, left, right)
    }
    case 'in': {
      const list = evaluateFqlValue(expr.right, message)
      if (!Array.isArray(list)) return false
      const value = evaluateFqlValue(expr.left, message)
      return list.some((item) => fqlEquals(value, item))
    }
    case 'call':
      return FQL_FUNCTION_SPECS[expr.name].apply(expr.args.map((arg) => evaluateFqlValue(arg, message)))
  }
}

const holds = (expr: FqlExpr, message: unknown) => evaluateFqlValue(expr, message) === true

/** Whether the condition holds for the message. */
export function evaluateFql(expr: FqlExpr, message: unknown): boolean {
  return holds(expr, message)
}
