import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileGlob, evaluateFqlValue, globMatches, parseFql } from './index.ts'

/** The value of an FQL expression on a message. */
function value(source: string, message: unknown = {}): unknown {
  const parsed = parseFql(source, { expect: 'value' })
  if (!parsed.ok) assert.fail(`${source}: ${parsed.error.message}`)
  return evaluateFqlValue(parsed.expr, message)
}

const expectValues = (message: unknown, cases: [string, unknown][]) => {
  for (const [source, expected] of cases) assert.deepEqual(value(source, message), expected, source)
}

// Public API digest §4.7: every test vector on the FQL page.
test('§4.7 glob vectors', () => {
  expectValues({}, [
    ["match('abcd', 'a*d')", true],
    ["match('', '*')", true],
    ["match('abc', 'ab')", false], // the whole string must match
    ["match('abcd', 'a??d')", true],
    ["match('abcd', '*d')", true], // §4.10: `*` is zero or more, not "one or more" as one row says
    ["match('ab*d', 'ab\\*d')", true],
    ["match('abCd', 'ab[cC]d')", true],
    ["match('abcd', 'ab[a-z]d')", true],
    ["match('abcd', 'ab[A-Z]d')", false],
  ])
})

test('glob: more cases (zero-or-more star, classes, escapes, code points)', () => {
  const cases: [string, string, boolean][] = [
    ['d', '*d', true], // zero characters before d
    ['abcd', 'abcd*', true],
    ['abcd', '*', true],
    ['', '', true],
    ['a', '', false],
    ['', '?', false],
    ['a/b/c', 'a*c', true], // `*` crosses '/', unlike file-system globs
    ['aXbXc', 'a*b*c', true],
    ['abcbd', 'a*bd', true], // backtracking to a later b
    ['abc', 'a*b*c*d', false],
    ['Button Clicked', 'Button *', true],
    ['button clicked', 'Button *', false], // case-sensitive
    ['ab*d', 'ab*d', true],
    ['abxd', 'ab\\*d', false], // escaped star matches only '*'
    ['a?', 'a\\?', true],
    ['ab', 'a\\?', false],
    ['a]', 'a]', true], // a lone ']' is literal
    ['a]', 'a[\\]]', true],
    ['a-', 'a[\\-]', true],
    ['a\\', 'a\\\\', true],
    ['b', '[^a]', true],
    ['a', '[^a]', false],
    ['m', '[a-cx-z]', false],
    ['y', '[a-cx-z]', true],
    ['5', '[0-9]', true],
    ['ア', '?', true], // one code point, though three UTF-8 bytes
    ['😀', '?', true], // one code point, two UTF-16 units
    ['😀x', '[😀]x', true],
    ['x@company.com', '*@company.com', true],
    ['x@company.com.evil', '*@company.com', false],
  ]
  for (const [text, pattern, expected] of cases) {
    assert.equal(
      globMatches(text, pattern),
      expected,
      `match(${JSON.stringify(text)}, ${JSON.stringify(pattern)})`,
    )
  }
})

test('glob: malformed patterns match nothing at run time and are described for the parser', () => {
  const cases: [string, number, string][] = [
    ['ab[', 2, "unterminated '['"],
    ['ab[c', 2, "unterminated '['"],
    ['ab\\', 2, "ends with '\\'"],
    ['[]', 1, "empty '[]'"],
    ['[a-]', 3, "unescaped ']'"],
    ['[-a]', 1, "unescaped '-'"],
    ['[a-', 0, "unterminated '['"],
  ]
  for (const [pattern, offset, message] of cases) {
    const compiled = compileGlob(pattern)
    assert.ok(!compiled.ok, pattern)
    if (!compiled.ok) {
      assert.equal(compiled.error.offset, offset, pattern)
      assert.ok(compiled.error.message.includes(message), `${pattern}: ${compiled.error.message}`)
    }
    assert.equal(globMatches('ab[', pattern), false, pattern)
  }
  // A pattern read from the message is checked only at run time.
  expectValues({ p: 'ab[' }, [["match('ab[', p)", false]])
})

test('glob: long inputs stay fast (no exponential backtracking)', () => {
  const text = 'a'.repeat(10_000)
  const started = performance.now()
  assert.equal(globMatches(text, `${'*a'.repeat(20)}b`), false)
  assert.equal(globMatches(text, '*a*a*a*a*a*a*a*a'), true)
  assert.ok(performance.now() - started < 2_000)
})

// Public API digest §4.6: each function, with null and wrong-type arguments (never errors).
test('contains, match: strings only; null and other types give false', () => {
  const message = { s: 'analytics.js', n: 5, z: null, l: ['js'] }
  expectValues(message, [
    ["contains(s, 'js')", true],
    ["contains(s, 'JS')", false], // case-sensitive (assumed, §4.6)
    ["contains(s, '')", true],
    ['contains(s, s)', true],
    ["contains(z, 'x')", false], // contains(null, x) → false
    ["contains(missing, 'x')", false],
    ["contains(n, '5')", false],
    ["contains(l, 'js')", false], // not list membership: use `in`
    ['contains(s, z)', false],
    ["match(s, '*.js')", true],
    ["match(z, '*')", false], // match(null, x) → false
    ["match(n, '*')", false],
    ['match(s, missing)', false],
  ])
})

test('length: UTF-8 bytes of a string, elements of a list, 0 for null', () => {
  const message = {
    a: 'a',
    kana: 'ア',
    emoji: '😀',
    s: 'hello',
    l: [1, [2, 3]],
    e: [],
    z: null,
    n: 12,
    o: { a: 1 },
    b: true,
  }
  expectValues(message, [
    ['length(a)', 1],
    ['length(kana)', 3], // the page's example
    ['length(emoji)', 4],
    ["length('é')", 2],
    ['length(s)', 5],
    ["length('')", 0],
    ['length(l)', 2],
    ['length(e)', 0],
    ['length(z)', 0], // length(null) → 0
    ['length(missing)', 0],
    ['length(n)', null], // not defined for numbers, booleans or objects: null, so comparisons are false
    ['length(o)', null],
    ['length(b)', null],
  ])
})

test('lowercase, uppercase, snakecase, kebabcase, titlecase (§4.10: follow the examples)', () => {
  const message = { s: 'test string', mixed: 'Ünïcode MiXed', z: null, n: 1 }
  expectValues(message, [
    ['lowercase(mixed)', 'ünïcode mixed'],
    ['lowercase(z)', null], // lowercase(null) → null
    ['lowercase(missing)', null],
    ['lowercase(n)', null],
    ['uppercase(s)', 'TEST STRING'],
    ['uppercase(z)', null],
    ['snakecase(s)', 'test_string'], // the page shows this example under the kebabcase name
    ["snakecase('a  b')", 'a__b'], // each space becomes an underscore; nothing else changes
    ["snakecase('Keep Case')", 'Keep_Case'],
    ['kebabcase(s)', 'test-string'],
    ['kebabcase(z)', null],
    ['titlecase(s)', 'Test String'], // the example, not the description ("spaces replaced by dashes")
    ["titlecase('hello-world foo_bar')", 'Hello-World Foo_bar'],
    ["titlecase('mIxEd')", 'MIxEd'], // only first letters change
    ["titlecase('élan vital')", 'Élan Vital'],
    ['titlecase(n)', null],
  ])
})

test('typeof: string, number, list, bool, null; objects are "object"', () => {
  const message = { s: '', n: 0, l: [], b: false, z: null, o: {} }
  expectValues(message, [
    ['typeof(s)', 'string'],
    ['typeof(n)', 'number'],
    ['typeof(l)', 'list'],
    ['typeof(b)', 'bool'],
    ['typeof(z)', 'null'], // typeof(null) → "null"
    ['typeof(missing)', 'null'],
    ['typeof(o)', 'object'], // unspecified (§4.10); our choice
    ["typeof('x')", 'string'],
    ['typeof(length(s))', 'number'],
    ['typeof(a = 1)', 'bool'],
    ["typeof(['x'])", 'list'],
  ])
})

test('bool, string, number: our conversion rules (unspecified on the page, §4.10)', () => {
  const message = { o: { a: 1 }, eo: {}, l: ['a', 1], el: [] }
  expectValues(message, [
    ['bool(true)', true],
    ['bool(false)', false],
    ['bool(null)', false],
    ['bool(missing)', false],
    ['bool(0)', false],
    ['bool(-0.5)', true],
    ["bool('')", false],
    ["bool('false')", false],
    ["bool(' FALSE ')", false],
    ["bool('0')", false],
    ["bool('true')", true],
    ["bool('no')", true], // any other non-empty string
    ['bool(l)', true],
    ['bool(el)', false],
    ['bool(o)', true],
    ['bool(eo)', false],
    ["string('x')", 'x'],
    ['string(null)', ''],
    ['string(missing)', ''],
    ['string(1.5)', '1.5'],
    ['string(-0)', '0'],
    ['string(true)', 'true'],
    ['string(l)', '["a",1]'],
    ['string(o)', '{"a":1}'],
    ['number(5)', 5],
    ["number('5')", 5],
    ["number('-1.25')", -1.25],
    ["number('+3')", 3],
    ["number('1e3')", 1000],
    ["number(' 5')", null], // strings must be spelled exactly as a number
    ["number('5px')", null],
    ["number('')", null],
    ["number('0x10')", null],
    ['number(null)', null],
    ['number(missing)', null],
    ['number(o)', null],
  ])
})

test('functions compose with comparisons', () => {
  const message = { userId: 'u1', event: 'Order Completed', email: 'ANA@Segment.com', age: '42' }
  expectValues(message, [
    ['length(userId) > 0', true],
    ["lowercase(event) = 'order completed'", true],
    ["contains(lowercase(email), '@segment.com')", true],
    ['number(age) >= 18', true],
    ["typeof(userId) = 'string' and length(userId) > 0", true],
    ["snakecase(lowercase(event)) = 'order_completed'", true],
  ])
})
