import assert from 'node:assert/strict'
import { test } from 'node:test'
import { FQL_MAX_DEPTH, fqlNode, fqlToString, parseFql, type FqlExpr } from './index.ts'

function parse(source: string): FqlExpr {
  const parsed = parseFql(source)
  if (!parsed.ok) assert.fail(`${source}: ${parsed.error.message}`)
  return parsed.expr
}

// Public API digest §4.2–§4.4: what the language accepts, shown in its canonical spelling (fqlToString).
test('accepted syntax, printed canonically', () => {
  const cases: [string, string][] = [
    ["event = 'Button Clicked'", "event = 'Button Clicked'"],
    ['event="Button Clicked"', "event = 'Button Clicked'"], // double quotes; no spaces needed around =
    ['event = "it\'s"', 'event = "it\'s"'], // a string holding ' is written with "
    ['event = \'say "hi"\'', 'event = \'say "hi"\''],
    ["event = 'a\\b'", "event = 'a\\b'"], // no escapes in strings: the backslash is a character
    ["event = ''", "event = ''"],
    ["event = 'multi\nline'", "event = 'multi\nline'"], // a string may span lines
    ['a = 1', 'a = 1'],
    ['a = -1.25', 'a = -1.25'],
    ['a = +7', 'a = 7'],
    ['a = 007', 'a = 7'],
    ['a != 1', 'a != 1'],
    ['a!=1', 'a != 1'],
    ['a<1 or a<=1 or a>1 or a>=1', 'a < 1 or a <= 1 or a > 1 or a >= 1'],
    ['a = null', 'a = null'],
    ['a = true and b = false', 'a = true and b = false'],
    ['a', 'a'], // a bare field is a condition
    ['true', 'true'],
    ['null', 'null'],
    ['\t a \n=\r\n 1 ', 'a = 1'], // whitespace: space, tab, newline, carriage return
    ["type in ['track', 'identify']", "type in ['track', 'identify']"],
    ['type in []', 'type in []'],
    ['type in [a.b, 1, null, true, [1]]', 'type in [a.b, 1, null, true, [1]]'],
    ['x in properties.list', 'x in properties.list'],
    ["!( type in ['track', 'identify'] )", "!(type in ['track', 'identify'])"],
    ["!contains( context.library.name, 'js' )", "!contains(context.library.name, 'js')"],
    ['!!a', '!!a'],
    ['! a', '!a'],
    ['!(a)', '!a'],
    ["contains (a, 'b')", "contains(a, 'b')"], // space before the argument list
    ["match(a, 'x*')", "match(a, 'x*')"],
    ['length(a) > 0', 'length(a) > 0'],
    ["typeof(a) = 'string'", "typeof(a) = 'string'"],
    ['bool(a)', 'bool(a)'],
    ['bool(a = 1)', 'bool(a = 1)'], // arguments are expressions
    ["lowercase(uppercase(a)) = 'x'", "lowercase(uppercase(a)) = 'x'"],
    ["number('5') = 5", "number('5') = 5"],
    ["string(5) = '5'", "string(5) = '5'"],
    ['(a = 1) = true', '(a = 1) = true'],
    ['a or b and c', 'a or (b and c)'], // and binds tighter than or
    ['(a or b) and c', '(a or b) and c'],
    ['a and (b and c)', 'a and (b and c)'], // a parenthesised group stays a group
    ['((a))', 'a'],
    ["properties.product\\ 1.price = '19.99'", "properties.product\\ 1.price = '19.99'"],
    ['properties.\\$price', 'properties.\\$price'],
    ['context.traits.2fa', 'context.traits.2fa'],
    ['a.-b_c', 'a.-b_c'],
    ['\\2fa', '\\2fa'], // a first segment starting with a digit is escaped
    ['\\null = 1', '\\null = 1'], // escaped keyword: a field named "null"
    ['n\\ull = 1', '\\null = 1'],
    ['null.x = 1', '\\null.x = 1'], // a keyword followed by a dot is a path
    [
      'android and order and nullable and inside and trueish',
      'android and order and nullable and inside and trueish',
    ],
    ['AND = 1', 'AND = 1'], // keywords are lowercase; AND is a field
    ["received_at >= '2023-04-21T19:55:00.933Z'", "received_at >= '2023-04-21T19:55:00.933Z'"],
  ]
  for (const [source, canonical] of cases) assert.equal(fqlToString(parse(source)), canonical, source)
})

test('syntax trees: n-ary and/or, ! on one operand, escapes removed from paths', () => {
  assert.deepEqual(
    parse('a and b and !c or d'),
    fqlNode.or([
      fqlNode.and([fqlNode.path(['a']), fqlNode.path(['b']), fqlNode.not(fqlNode.path(['c']))]),
      fqlNode.path(['d']),
    ]),
  )
  assert.deepEqual(
    parse("properties.product\\ 1.price = '19.99'"),
    fqlNode.compare('=', fqlNode.path(['properties', 'product 1', 'price']), fqlNode.literal('19.99')),
  )
  assert.deepEqual(parse('a = -0.5'), fqlNode.compare('=', fqlNode.path(['a']), fqlNode.literal(-0.5)))
  assert.ok(Object.isFrozen(parse('a and b')), 'nodes are frozen')
})

// Public API digest §4.9: invalid FQL is refused with the position of the first error, never
// reinterpreted. Each case: source, 0-based position, and a part of the message.
test('refused input names the position and what was expected', () => {
  const cases: [string, number, string][] = [
    // The page's invalid example.
    ['userId = oops"', 13, 'unterminated string'],
    ['', 0, 'expected a condition at position 0, found end of input'],
    ['   ', 3, 'expected a condition at position 3'],
    ['userId = ', 9, "expected a value after '=' at position 9, found end of input"],
    ['userId =', 8, "expected a value after '=' at position 8"],
    [
      "event = 'Button Clicked",
      8,
      "unterminated string: no closing ' for the string that starts at position 8",
    ],
    // A quote cannot be escaped: the string ends at it, and what follows is out of place.
    ["event = 'it's'", 12, "expected 'and', 'or' or end of input at position 12, found 's'"],
    ['a = 5.', 6, 'expected a digit after the decimal point'],
    ['a = 5.0.0', 7, 'at most one decimal point'],
    ['a = .5', 4, "unexpected character '.'"],
    ['a = - 5', 5, "expected a digit after '-'"],
    ['a = 1e5', 5, "unexpected 'e' after a number"],
    ['a = 5abc', 5, "unexpected 'a' after a number"],
    ['a = 1-2', 5, "unexpected '-' after a number"],
    ['a == 1', 3, "expected a value after '=' at position 3, found '='"],
    ['a <> 1', 3, "expected a value after '<' at position 3, found '>'"],
    ['a = 1 AND b = 2', 6, "expected 'and', 'or' or end of input at position 6, found 'AND'"],
    ['a = 1 b = 2', 6, "expected 'and', 'or' or end of input at position 6, found 'b'"],
    ['a and', 5, "expected a condition after 'and' at position 5, found end of input"],
    ['or a', 0, "expected a condition at position 0, found 'or'"],
    ['a or or b', 5, "expected a condition after 'or' at position 5, found 'or'"],
    ['!', 1, "expected a condition after '!' at position 1, found end of input"],
    // The digest's grammar reads `!a = b` as !(a = b), its precedence note as (!a) = b: refused instead.
    ["!type = 'track'", 6, "unexpected '=' after a negated value at position 6"],
    ["!contains(a, 'b') = true", 18, 'write !( … = … ) to negate a comparison'],
    ['!a in [1]', 3, "unexpected 'in' after a negated value"],
    ['a = b = c', 6, 'comparisons cannot be chained at position 6'],
    ['a in [1] in b', 9, 'comparisons cannot be chained'],
    ['(a = 1', 6, "expected ')' at position 6 to close the '(' at position 0, found end of input"],
    ['a = 1)', 5, "expected 'and', 'or' or end of input at position 5, found ')'"],
    ['()', 1, "expected a condition after '(' at position 1, found ')'"],
    ['a in [1,', 8, "expected a value after ',' at position 8"],
    ['a in [1,]', 8, "expected a value after ',' at position 8, found ']'"],
    ['a in [1 2]', 8, "expected ',' or ']' at position 8 to close the '[' at position 5"],
    ['a in [1', 7, "expected ',' or ']'"],
    ["contains(a, 'b'", 15, "expected ',' or ')' at position 15 to close the '(' at position 8"],
    ['contains(a,)', 11, "expected a value after ',' at position 11, found ')'"],
    ['contains(', 9, "expected a value after 'contains(' at position 9"],
    ['foo(a)', 0, "unknown function 'foo' at position 0"],
    ['Contains(a, b)', 0, "unknown function 'Contains'"], // function names are lowercase
    ['a.contains(b)', 0, "unknown function 'a.contains'"],
    ['exists(a)', 0, "unknown function 'exists'"], // not in §4.6
    ['contains(a)', 0, 'contains() takes 2 arguments, found 1 at position 0'],
    ['x and length(a, b) > 0', 6, 'length() takes 1 argument, found 2 at position 6'],
    ['typeof() = 1', 0, 'typeof() takes 1 argument, found 0'],
    // Static types: what can never be a condition, or a comparison that can never hold.
    ["'abc'", 0, 'expected a condition at position 0, found a string'],
    ['5', 0, 'found a number'],
    ['[a]', 0, 'found a list'],
    ['length(a)', 0, 'found length(…), which returns a number'],
    ['lowercase(a) and b', 0, 'found lowercase(…), which returns a string'],
    ["a and 'x'", 6, 'expected a condition at position 6, found a string'],
    ["!'x'", 1, 'expected a condition at position 1, found a string'],
    ['(length(a)) > 0', 1, 'expected a condition at position 1'], // a subexpression must be a condition
    ['a > null', 4, "'>' compares two numbers or two strings at position 4, found null"],
    ['true <= a', 0, "'<=' compares two numbers or two strings at position 0, found a boolean"],
    ['a < [1]', 4, 'found a list'],
    ["length(a) > '5'", 12, 'found length(…), which returns a number and a string'],
    ["a in 'abc'", 5, "expected a list or a field path after 'in' at position 5, found a string"],
    ['a in lowercase(b)', 5, "after 'in' at position 5, found lowercase(…), which returns a string"],
    ['[1] in a', 0, "the value before 'in' must be a single value, not a list"],
    ["contains(5, 'a')", 9, 'contains() expects a string as argument 1 at position 9, found a number'],
    ["contains(a, ['a'])", 12, 'expects a string as argument 2'],
    ['length(5) = 1', 7, 'length() expects a string or a list as argument 1'],
    ['number(true) = 1', 7, 'number() expects a number or a string'],
    ["lowercase(length(a)) = 'x'", 10, 'found length(…), which returns a number'],
    // A literal glob pattern must be valid (Public API digest §4.7); the position points into it.
    ["match(a, 'ab[')", 12, "invalid pattern for match() at position 12: unterminated '['"],
    ["match(a, 'ab\\')", 12, "the pattern ends with '\\'"],
    ["match(a, '[]')", 11, "empty '[]'"],
    ["match(a, '[a-]')", 13, "unescaped ']' inside '[…]'"],
    ["match(a, '[-a]')", 11, "unescaped '-' inside '[…]'"],
    // Characters outside a-z A-Z 0-9 _ - must be escaped in paths.
    ['properties.product 1.price = 1', 21, 'expected a digit after the decimal point at position 21'],
    ['properties.product one = 1', 19, "expected 'and', 'or' or end of input at position 19, found 'one'"],
    ['properties.prix€ = 1', 15, "unexpected character '€'"],
    ['a..b', 2, "expected a field name after '.' at position 2"],
    ['a. b', 2, "expected a field name after '.'"], // no spaces inside a path
    ['a.', 2, "expected a field name after '.'"],
    ['.a', 0, "unexpected character '.' at position 0"],
    ['a\\', 1, "expected a character after '\\' at position 1"],
    ['$a = 1', 0, "unexpected character '$'"],
    ['a = 1 # comment', 6, "unexpected character '#'"],
    ['a = 1;', 5, "unexpected character ';'"],
    ['a = \u0000', 4, 'unexpected character "\\u0000"'],
    ['a.b(c)', 0, "unknown function 'a.b'"],
  ]
  for (const [source, position, message] of cases) {
    const parsed = parseFql(source)
    if (parsed.ok) assert.fail(`${JSON.stringify(source)} parsed as ${fqlToString(parsed.expr)}`)
    assert.equal(parsed.error.position, position, `${JSON.stringify(source)}: ${parsed.error.message}`)
    assert.ok(parsed.error.message.includes(message), `${JSON.stringify(source)}: ${parsed.error.message}`)
    assert.ok(parsed.error.message.includes(`at position ${position}`), parsed.error.message)
  }
})

test('a value statement (expect: value) may be any expression', () => {
  for (const source of ['lowercase(properties.prop1)', "'abc'", '5', '[1, 2]', 'length(a)', 'a = 1']) {
    assert.ok(parseFql(source, { expect: 'value' }).ok, source)
  }
  const bad = parseFql('lowercase(', { expect: 'value' })
  assert.equal(bad.ok, false)
})

test(`hostile input: nesting is capped at ${FQL_MAX_DEPTH} levels with an error, not a stack overflow`, () => {
  const nested = (depth: number, open: string, close: string, inner = 'a') =>
    `${open.repeat(depth)}${inner}${close.repeat(depth)}`
  assert.ok(parseFql(nested(FQL_MAX_DEPTH, '(', ')')).ok, 'the cap itself is allowed')
  const cases: [string, string][] = [
    ['parentheses', nested(100_000, '(', ')')],
    ['parentheses just over the cap', nested(FQL_MAX_DEPTH + 1, '(', ')')],
    ['negations', `${'!'.repeat(100_000)}a`],
    ['lists', `a in ${nested(100_000, '[', ']', '1')}`],
    ['calls', `bool(${nested(100_000, 'bool(', ')')})`],
    ['unclosed parentheses', '('.repeat(1_000_000)],
  ]
  for (const [name, source] of cases) {
    const parsed = parseFql(source)
    assert.equal(parsed.ok, false, name)
    if (!parsed.ok) assert.match(parsed.error.message, /nesting deeper than 64 levels at position \d+/, name)
  }
  const atCap = parseFql(nested(FQL_MAX_DEPTH + 1, '(', ')'))
  assert.ok(!atCap.ok && atCap.error.position === FQL_MAX_DEPTH)
})

test('hostile input: long strings, long paths, long and/or chains and lists parse', () => {
  const long = 'x'.repeat(1_000_000)
  assert.ok(parseFql(`a = '${long}'`).ok)
  assert.ok(parseFql(`${'a'.repeat(100_000)} = 1`).ok)
  assert.ok(parseFql(Array.from({ length: 20_000 }, (_, i) => `a${i} = ${i}`).join(' and ')).ok)
  assert.ok(parseFql(Array.from({ length: 20_000 }, (_, i) => `a${i}`).join(' or ')).ok)
  assert.ok(parseFql(`a in [${Array.from({ length: 100_000 }, (_, i) => i).join(', ')}]`).ok)
  const unterminated = parseFql(`a = '${long}`)
  assert.ok(!unterminated.ok && unterminated.error.position === 4)
})

test('fqlToString round-trips: parsing the printed text gives the same tree', () => {
  const sources = [
    "( type = 'track' or type = 'identify' ) and ( properties.enabled or match( traits.email, '*@company.com' ) )",
    "!( type in ['track', 'identify'] )",
    'a or b and c or !d',
    '!(a or b) and !(c = 1)',
    "properties.product\\ 1.price = '19.99' and \\null.\\ x = \"it's\"",
    'a = 1.5 and b = -2 and c = 0.000001 and d = 123456789012345678901234567890',
    "(a = 1) != (b = 2) and bool(a or b) and x in [(y = 1), 'z']",
  ]
  for (const source of sources) {
    const expr = parse(source)
    assert.deepEqual(parse(fqlToString(expr)), expr, source)
  }
})

test('fqlToString: trees built by hand', () => {
  const { path, literal, compare, and, or, not } = fqlNode
  assert.equal(fqlToString(and([or([path(['a']), path(['b'])]), path(['c'])])), '(a or b) and c')
  assert.equal(fqlToString(or([or([path(['a'])]), path(['b'])])), '(a) or b')
  assert.equal(fqlToString(not(compare('=', path(['a']), literal(1)))), '!(a = 1)')
  assert.equal(fqlToString(compare('=', path(['a']), literal(1e-7))), 'a = 0.0000001')
  assert.equal(fqlToString(compare('=', path(['a']), literal(-2e21))), 'a = -2000000000000000000000')
  assert.equal(fqlToString(compare('=', path(['-x', 'y z']), literal(-0))), '\\-x.y\\ z = -0')
  assert.throws(() => fqlToString(literal('both \' and "')), RangeError)
  assert.throws(() => fqlToString(path([''])), RangeError)
  assert.throws(() => fqlToString(literal(Number.NaN)), RangeError)
})
