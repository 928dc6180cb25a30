/**
 * FQL parser: recursive descent over the grammar of Public API digest §4.4.
 *
 *     statement  = or_expr
 *     or_expr    = and_expr { "or" and_expr }
 *     and_expr   = unary { "and" unary }
 *     unary      = "!" ( unary | operand ) | comparison
 *     comparison = operand [ ( "=" | "!=" | "<" | "<=" | ">" | ">=" | "in" ) operand ]
 *     operand    = "(" or_expr ")" | call | list | path | string | number | "null" | "true" | "false"
 *     call       = function "(" [ or_expr { "," or_expr } ] ")"
 *     list       = "[" [ operand { "," operand } ] "]"
 *
 * So `!` binds tighter than `and`, which binds tighter than `or`. The parser refuses what it can prove
 * meaningless or ambiguous instead of guessing: `!a = b` (write `!(a = b)`), chained comparisons, a
 * string or number where a condition belongs, an unknown function or argument count, `x in 'abc'`, a
 * malformed `match()` pattern, and nesting deeper than {@link FQL_MAX_DEPTH}.
 */
import { fqlNode, isFqlFunctionName, FQL_FUNCTIONS, type FqlExpr, type FqlFunctionName } from './ast.ts'
import { FQL_FUNCTION_SPECS, type FqlStaticType } from './functions.ts'
import { compileGlob } from './glob.ts'
import { lexToken, syntaxError, type FqlSyntaxError, type FqlToken } from './lexer.ts'

/** Deepest nesting of `(`, `[`, function calls and `!` accepted; deeper input is an error, not a crash. */
export const FQL_MAX_DEPTH = 64

export type FqlParseResult = { ok: true; expr: FqlExpr } | { ok: false; error: FqlSyntaxError }

export interface FqlParseOptions {
  /**
   * `condition` (default): the statement must be a condition, as a filter's `if` is. `value`: any
   * expression, as in Protocols' FQL-defined properties (`lowercase(properties.prop1)`).
   */
  expect?: 'condition' | 'value'
}

/** Parses FQL source into a syntax tree, or names the first error and its 0-based position. */
export function parseFql(source: string, options: FqlParseOptions = {}): FqlParseResult {
  try {
    const parser: Parser = { source, token: readToken(source, 0), depth: 0 }
    const condition = options.expect !== 'value'
    const statement = parseOr(parser, condition ? 'a condition' : 'a value')
    if (condition) requireCondition(statement)
    if (parser.token.kind !== 'end') {
      fail(parser.token.start, `expected 'and', 'or' or end of input {at}, found ${describe(parser)}`)
    }
    return { ok: true, expr: statement.expr }
  } catch (error) {
    if (error instanceof Stop) return { ok: false, error: error.error }
    throw error
  }
}

interface Parser {
  source: string
  token: FqlToken
  depth: number
}

/** An expression with what the parser knows of it. */
interface Parsed {
  expr: FqlExpr
  type: FqlStaticType
  start: number
  /** How an error names it: "a string", "length(…), which returns a number". */
  what: string
}

/** Unwinds the parse to `parseFql` with the first error. */
class Stop {
  constructor(readonly error: FqlSyntaxError) {}
}

const fail = (position: number, text: string): never => {
  throw new Stop(syntaxError(position, text))
}

function readToken(source: string, position: number): FqlToken {
  const result = lexToken(source, position)
  if (!result.ok) throw new Stop(result.error)
  return result.token
}

const advance = (parser: Parser) => {
  parser.token = readToken(parser.source, parser.token.end)
}

const isPunctuation = (token: FqlToken, value: string) =>
  token.kind === 'punctuation' && token.value === value
const isKeyword = (token: FqlToken, value: string) => token.kind === 'keyword' && token.value === value

function describe(parser: Parser): string {
  const { token, source } = parser
  if (token.kind === 'end') return 'end of input'
  if (token.kind === 'string') return 'a string'
  const text = source.slice(token.start, token.end)
  return `'${text.length > 40 ? `${text.slice(0, 40)}…` : text}'`
}

function enter(parser: Parser, position: number) {
  parser.depth++
  if (parser.depth > FQL_MAX_DEPTH) fail(position, `nesting deeper than ${FQL_MAX_DEPTH} levels {at}`)
}

const TYPE_NAMES: Record<FqlStaticType, string> = {
  bool: 'a boolean',
  number: 'a number',
  string: 'a string',
  list: 'a list',
  null: 'null',
  any: 'a field path',
}

const condition = (expr: FqlExpr, start: number): Parsed => ({
  expr,
  type: 'bool',
  start,
  what: 'a condition',
})

/** Conditions are booleans, `null`, or field paths (checked when a message arrives). */
function requireCondition(parsed: Parsed): Parsed {
  if (parsed.type === 'bool' || parsed.type === 'null' || parsed.type === 'any') return parsed
  return fail(parsed.start, `expected a condition {at}, found ${parsed.what}`)
}

function parseOr(parser: Parser, expected: string): Parsed {
  const first = parseAnd(parser, expected)
  if (!isKeyword(parser.token, 'or')) return first
  const operands = [requireCondition(first).expr]
  while (isKeyword(parser.token, 'or')) {
    advance(parser)
    operands.push(requireCondition(parseAnd(parser, "a condition after 'or'")).expr)
  }
  return condition(fqlNode.or(operands), first.start)
}

function parseAnd(parser: Parser, expected: string): Parsed {
  const first = parseUnary(parser, expected)
  if (!isKeyword(parser.token, 'and')) return first
  const operands = [requireCondition(first).expr]
  while (isKeyword(parser.token, 'and')) {
    advance(parser)
    operands.push(requireCondition(parseUnary(parser, "a condition after 'and'")).expr)
  }
  return condition(fqlNode.and(operands), first.start)
}

function parseUnary(parser: Parser, expected: string): Parsed {
  if (!isPunctuation(parser.token, '!')) return parseComparison(parser, expected)
  const start = parser.token.start
  enter(parser, start)
  advance(parser)
  const operand = isPunctuation(parser.token, '!')
    ? parseUnary(parser, "a condition after '!'")
    : parseOperand(parser, "a condition after '!'")
  const next = parser.token
  if (next.kind === 'operator' || isKeyword(next, 'in')) {
    const operator = parser.source.slice(next.start, next.end)
    fail(
      next.start,
      `unexpected '${operator}' after a negated value {at}: '!' applies only to the value right after it; ` +
        `write !( … ${operator} … ) to negate a comparison`,
    )
  }
  requireCondition(operand)
  parser.depth--
  return condition(fqlNode.not(operand.expr), start)
}

function parseComparison(parser: Parser, expected: string): Parsed {
  const left = parseOperand(parser, expected)
  const token = parser.token
  let result: Parsed
  if (token.kind === 'operator') {
    const operator = token.value
    advance(parser)
    const right = parseOperand(parser, `a value after '${operator}'`)
    if (operator !== '=' && operator !== '!=') checkOrdering(operator, left, right)
    result = condition(fqlNode.compare(operator, left.expr, right.expr), left.start)
  } else if (isKeyword(token, 'in')) {
    advance(parser)
    const right = parseOperand(parser, "a list after 'in'")
    if (left.type === 'list')
      fail(left.start, "the value before 'in' must be a single value, not a list {at}")
    if (right.type !== 'list' && right.type !== 'any') {
      fail(right.start, `expected a list or a field path after 'in' {at}, found ${right.what}`)
    }
    result = condition(fqlNode.in(left.expr, right.expr), left.start)
  } else {
    return left
  }
  const next = parser.token
  if (next.kind === 'operator' || isKeyword(next, 'in')) {
    fail(next.start, `comparisons cannot be chained {at}: join them with 'and' or 'or'`)
  }
  return result
}

/** `<`, `<=`, `>`, `>=` compare two numbers or two strings; other operands could never be true. */
function checkOrdering(operator: string, left: Parsed, right: Parsed) {
  const rule = `'${operator}' compares two numbers or two strings`
  for (const side of [left, right]) {
    if (side.type !== 'number' && side.type !== 'string' && side.type !== 'any') {
      fail(side.start, `${rule} {at}, found ${side.what}`)
    }
  }
  if (left.type !== 'any' && right.type !== 'any' && left.type !== right.type) {
    fail(right.start, `${rule} {at}, found ${left.what} and ${right.what}`)
  }
}

function parseOperand(parser: Parser, expected: string): Parsed {
  const token = parser.token
  const start = token.start
  switch (token.kind) {
    case 'punctuation':
      if (token.value === '(') return parseGroup(parser)
      if (token.value === '[') return parseList(parser)
      break
    case 'path': {
      advance(parser)
      if (isPunctuation(parser.token, '(')) return parseCall(parser, token.segments, start)
      return { expr: fqlNode.path(token.segments), type: 'any', start, what: 'a field path' }
    }
    case 'string':
    case 'number': {
      advance(parser)
      return { expr: fqlNode.literal(token.value), type: token.kind, start, what: TYPE_NAMES[token.kind] }
    }
    case 'keyword':
      if (token.value === 'null' || token.value === 'true' || token.value === 'false') {
        advance(parser)
        const value = token.value === 'null' ? null : token.value === 'true'
        const type = value === null ? 'null' : 'bool'
        return { expr: fqlNode.literal(value), type, start, what: TYPE_NAMES[type] }
      }
      break
  }
  return fail(start, `expected ${expected} {at}, found ${describe(parser)}`)
}

/** `( condition )`: a parenthesised subexpression must be a condition (Public API digest §4.4). */
function parseGroup(parser: Parser): Parsed {
  const start = parser.token.start
  enter(parser, start)
  advance(parser)
  const inner = requireCondition(parseOr(parser, "a condition after '('"))
  if (!isPunctuation(parser.token, ')')) {
    fail(
      parser.token.start,
      `expected ')' {at} to close the '(' at position ${start}, found ${describe(parser)}`,
    )
  }
  advance(parser)
  parser.depth--
  return { ...inner, start }
}

function parseList(parser: Parser): Parsed {
  const start = parser.token.start
  enter(parser, start)
  advance(parser)
  const items: FqlExpr[] = []
  if (isPunctuation(parser.token, ']')) advance(parser)
  else {
    for (;;) {
      items.push(parseOperand(parser, items.length === 0 ? "a value after '['" : "a value after ','").expr)
      if (isPunctuation(parser.token, ',')) advance(parser)
      else if (isPunctuation(parser.token, ']')) {
        advance(parser)
        break
      } else {
        fail(
          parser.token.start,
          `expected ',' or ']' {at} to close the '[' at position ${start}, found ${describe(parser)}`,
        )
      }
    }
  }
  parser.depth--
  return { expr: fqlNode.list(items), type: 'list', start, what: 'a list' }
}

function parseCall(parser: Parser, segments: readonly string[], start: number): Parsed {
  const name = segments.join('.')
  if (segments.length !== 1 || !isFqlFunctionName(name)) {
    fail(start, `unknown function '${name}' {at}; the functions are ${FQL_FUNCTIONS.join(', ')}`)
  }
  const open = parser.token.start
  enter(parser, open)
  advance(parser)
  const args: Parsed[] = []
  if (isPunctuation(parser.token, ')')) advance(parser)
  else {
    for (;;) {
      args.push(parseOr(parser, args.length === 0 ? `a value after '${name}('` : "a value after ','"))
      if (isPunctuation(parser.token, ',')) advance(parser)
      else if (isPunctuation(parser.token, ')')) {
        advance(parser)
        break
      } else {
        fail(
          parser.token.start,
          `expected ',' or ')' {at} to close the '(' at position ${open}, found ${describe(parser)}`,
        )
      }
    }
  }
  parser.depth--
  return checkCall(name as FqlFunctionName, args, start)
}

/** Argument count and static argument types; a literal `match()` pattern must be a valid glob. */
function checkCall(name: FqlFunctionName, args: Parsed[], start: number): Parsed {
  const spec = FQL_FUNCTION_SPECS[name]
  const count = spec.params.length
  if (args.length !== count) {
    fail(start, `${name}() takes ${count} argument${count === 1 ? '' : 's'}, found ${args.length} {at}`)
  }
  args.forEach((arg, i) => {
    const allowed = spec.params[i] ?? []
    if (allowed.length === 0 || arg.type === 'any' || arg.type === 'null' || allowed.includes(arg.type))
      return
    const wanted = allowed.map((type) => TYPE_NAMES[type]).join(' or ')
    fail(arg.start, `${name}() expects ${wanted} as argument ${i + 1} {at}, found ${arg.what}`)
  })
  const pattern = args[1]?.expr
  if (name === 'match' && pattern?.kind === 'literal' && typeof pattern.value === 'string') {
    const compiled = compileGlob(pattern.value)
    // Strings have no escapes, so the pattern's offsets map one to one onto the source after the quote.
    if (!compiled.ok) {
      const at = (args[1] as Parsed).start + 1 + compiled.error.offset
      fail(at, `invalid pattern for match() {at}: ${compiled.error.message}`)
    }
  }
  const type = spec.returns
  const what = type === 'bool' ? 'a condition' : `${name}(…), which returns ${TYPE_NAMES[type]}`
  return {
    expr: fqlNode.call(
      name,
      args.map((arg) => arg.expr),
    ),
    type,
    start,
    what,
  }
}
