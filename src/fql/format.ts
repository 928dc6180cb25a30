/**
 * Prints a syntax tree back as FQL in one canonical spelling: single quotes, one space around operators,
 * `and` groups inside `or` parenthesised (the docs always write it so). `parseFql(fqlToString(e))` gives
 * back `e`.
 */
import type { FqlExpr, FqlLiteralValue } from './ast.ts'
import { isDigit, isSegmentChar } from './lexer.ts'

/** Binding strength: an operand weaker than its place needs parentheses. */
const STRENGTH: Record<FqlExpr['kind'], number> = {
  or: 1,
  and: 2,
  not: 3,
  compare: 4,
  in: 4,
  call: 5,
  list: 5,
  path: 5,
  literal: 5,
}

/**
 * The FQL text of `expr`. Throws a RangeError for trees no FQL text can spell (built by hand with an
 * empty path segment, a string holding both quote characters, or a non-finite number).
 */
export function fqlToString(expr: FqlExpr): string {
  switch (expr.kind) {
    case 'or':
      return expr.operands.map((operand) => wrap(operand, 3)).join(' or ')
    case 'and':
      return expr.operands.map((operand) => wrap(operand, 3)).join(' and ')
    case 'not':
      return `!${wrap(expr.operand, expr.operand.kind === 'not' ? 3 : 5)}`
    case 'compare':
      return `${wrap(expr.left, 5)} ${expr.operator} ${wrap(expr.right, 5)}`
    case 'in':
      return `${wrap(expr.left, 5)} in ${wrap(expr.right, 5)}`
    case 'call':
      return `${expr.name}(${expr.args.map(fqlToString).join(', ')})`
    case 'list':
      return `[${expr.items.map((item) => wrap(item, 5)).join(', ')}]`
    case 'path':
      return expr.segments.map(formatSegment).join('.')
    case 'literal':
      return formatLiteral(expr.value)
  }
}

const wrap = (expr: FqlExpr, needed: number) =>
  STRENGTH[expr.kind] >= needed ? fqlToString(expr) : `(${fqlToString(expr)})`

const KEYWORDS = new Set(['and', 'or', 'in', 'null', 'true', 'false'])

function formatSegment(segment: string, index: number): string {
  if (segment === '') throw new RangeError('an FQL path segment cannot be empty')
  let text = ''
  for (const char of segment) text += isSegmentChar(char) ? char : `\\${char}`
  // A leading digit or '-' would start a number; a bare keyword would be read as the keyword.
  const first = text[0]
  if (index === 0 && (isDigit(first) || first === '-' || KEYWORDS.has(text))) text = `\\${text}`
  return text
}

function formatLiteral(value: FqlLiteralValue): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') return formatNumber(value)
  if (!value.includes("'")) return `'${value}'`
  if (!value.includes('"')) return `"${value}"`
  throw new RangeError('an FQL string cannot hold both \' and " (strings have no escapes)')
}

/** Plain decimal spelling (FQL numbers have no exponent), exact enough to read back the same number. */
function formatNumber(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`FQL has no spelling for ${value}`)
  if (Object.is(value, -0)) return '-0'
  const text = String(value)
  if (!text.includes('e')) return text
  const [mantissa = '', exponent = '0'] = value.toExponential().split('e')
  const sign = mantissa.startsWith('-') ? '-' : ''
  const digits = mantissa.replace('-', '').replace('.', '')
  const point = 1 + Number(exponent)
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`
}
