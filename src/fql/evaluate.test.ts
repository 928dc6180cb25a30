import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileFql, evaluateFql, evaluateFqlValue, parseFql } from './index.ts'

/** Parses (the case fails on a parse error) and evaluates. */
function run(source: string, message: unknown): boolean {
  const parsed = parseFql(source)
  if (!parsed.ok) assert.fail(`${source}: ${parsed.error.message}`)
  return evaluateFql(parsed.expr, message)
}

const expectAll = (message: unknown, cases: [string, boolean][]) => {
  for (const [source, expected] of cases) assert.equal(run(source, message), expected, source)
}

// Public API digest §4.8: the FQL page's worked examples, every one, on the page's event.
const PAGE_EVENT = {
  event: 'Button Clicked',
  type: 'track',
  context: { library: { name: 'analytics.js', version: '1.0' } },
  properties: { features: ['discounts', 'dark-mode'] },
}

test('§4.8 worked examples', () => {
  expectAll(PAGE_EVENT, [
    ["event = 'Button Clicked'", true],
    ["event = 'Screen Tapped'", false],
    ["context.path.path = '/login'", false],
    ["type = 'identify' or type = 'track'", true],
    ["event = 'Button Clicked' and type = 'track'", true],
    ["match( context.library.version, '1.*' )", true],
    ["match( context.library.version, '2.*' )", false],
    // The page's subexpression example reads `match( 'Button *', event )`, pattern first. §4.10 calls that
    // a doc error: we keep the signature match(string, pattern), so the example is written the right way
    // round here, and the swapped spelling is evaluated literally (below), not corrected.
    ["type = 'track' and ( event = 'Click' or match( event, 'Button *' ) )", true],
    ["!contains( context.library.name, 'js' )", false],
    ["'dark-mode' in properties.features", true],
    ["'blink' in properties.features", false],
  ])
})

test("§4.10: match( 'Button *', event ) is not reinterpreted as match( event, 'Button *' )", () => {
  // The string 'Button *' is matched against the pattern 'Button Clicked': no match.
  expectAll(PAGE_EVENT, [["type = 'track' and ( event = 'Click' or match( 'Button *', event ) )", false]])
})

test('§4.8 additional syntactic forms from the page', () => {
  const form =
    "( type = 'track' or type = 'identify' ) and ( properties.enabled or match( traits.email, '*@company.com' ) )"
  expectAll({ type: 'track', properties: { enabled: true } }, [[form, true]])
  expectAll({ type: 'identify', traits: { email: 'ana@company.com' } }, [[form, true]])
  expectAll({ type: 'identify', traits: { email: 'ana@example.com' } }, [[form, false]])
  expectAll({ type: 'page', properties: { enabled: true } }, [[form, false]])
  // A bare field that is not exactly `true` counts as false (a string "true" is not a boolean).
  expectAll({ type: 'track', properties: { enabled: 'true' } }, [[form, false]])

  const notIn = "!( type in ['track', 'identify'] )"
  expectAll({ type: 'track' }, [[notIn, false]])
  expectAll({ type: 'page' }, [[notIn, true]])
  expectAll({}, [[notIn, true]])
})

test('Destinations digest §5.4 and §4.6 examples', () => {
  // "Only send events with userId": DROP when length( userId ) < 1.
  expectAll({ userId: 'u1' }, [['length( userId ) < 1', false]])
  expectAll({ userId: '' }, [['length( userId ) < 1', true]])
  expectAll({ userId: null }, [['length( userId ) < 1', true]])
  expectAll({}, [['length( userId ) < 1', true]])
  // Actions migration cutover filters compare ISO timestamps as strings (see the ordering test). Stored
  // messages carry `receivedAt`. FQL is generic: it does not read Segment's `received_at` from it
  // (destination filters do, src/destinations/filter-aliases.ts).
  const message = { receivedAt: '2023-04-21T19:55:01.000Z' }
  expectAll(message, [
    ["(receivedAt >= '2023-04-21T19:55:00.933Z')", true],
    ["(receivedAt < '2023-04-21T19:55:00.933Z')", false],
    ["(received_at >= '2023-04-21T19:55:00.933Z')", false],
    ["(received_at < '2023-04-21T19:55:00.933Z')", false],
  ])
})

// Public API digest §4.5 and §4.10: boolean operators over true / false / null / missing / non-booleans.
test('and, or, !: only `true` counts as true (§4.10: or is "true iff at least one side is true")', () => {
  const message = { t: true, f: false, n: null, s: 'yes', one: 1, list: [true] }
  expectAll(message, [
    ['t and t', true],
    ['t and f', false],
    ['t and n', false],
    ['t and missing', false],
    ['t and s', false],
    ['t or f', true], // the page's row says "false if either side is false": contradictory, not followed
    ['f or t', true],
    ['f or n', false],
    ['n or missing', false],
    ['s or one', false],
    ['f or f or f or t', true],
    ['t and t and t and f', false],
    ['!t', false],
    ['!f', true],
    ['!n', true],
    ['!missing', true],
    ['!s', true], // `!` of a non-boolean: not `true`, so the negation holds
    ['!!t', true],
    ['!!missing', false],
    ['true', true],
    ['false', false],
    ['null', false],
    ['!null', true],
    ['list', false],
  ])
})

test('precedence: ! binds tighter than and, and tighter than or', () => {
  const message = { a: true, b: false, c: true }
  expectAll(message, [
    ['a or b and b', true], // a or (b and b)
    ['(a or b) and b', false],
    ['b and b or a', true], // (b and b) or a
    ['b and (b or a)', false],
    ['!b and a', true], // (!b) and a
    ['!(b and a)', true],
    ['!a or c', true], // (!a) or c
    ['!(a or c)', false],
  ])
})

test('= and != are typed and strict (§4.5)', () => {
  const message = {
    s: '1',
    n: 1,
    f: 1.5,
    b: true,
    z: null,
    list: ['a', 1],
    obj: { x: 1, y: [2] },
    same: { y: [2], x: 1 },
    other: { x: 1 },
  }
  expectAll(message, [
    ["s = '1'", true],
    ['s = 1', false], // '1' = 1 is false: types differ
    ["n = '1'", false],
    ['n = 1', true],
    ['n = 1.0', true],
    ['n = +1', true],
    ['f = 1.5', true],
    ['f != 1.5', false],
    ['s != 1', true], // types differ, so !=
    ['b = true', true],
    ["b = 'true'", false],
    ['b != false', true],
    ['z = null', true],
    ['missing = null', true], // a missing field is null
    ['missing != null', false],
    ['z = false', false], // null is not false
    ["z = ''", false],
    ['z = 0', false],
    ["list = ['a', 1]", true],
    ["list = [1, 'a']", false], // element by element, in order
    ["list = ['a']", false],
    ["list != ['a', 1]", false],
    // Objects (reachable only through paths) are equal with the same keys and values, in any order.
    ['obj = same', true],
    ['obj = other', false],
    ['obj = obj', true],
    ["s = 'S'", false], // case-sensitive (Destinations digest §5.2)
  ])
})

test('<, <=, >, >=: two numbers, or two strings by code point; anything else is false', () => {
  const message = { n: 5, s: 'b', ts: '2024-01-02T00:00:00Z', z: null, b: true, list: [1] }
  expectAll(message, [
    ['n > 4', true],
    ['n > 5', false],
    ['n >= 5', true],
    ['n < 5.5', true],
    ['n <= -1', false],
    ['n > -5', true],
    // Numbers only on the FQL page, but Segment's own Actions migration guide compares ISO timestamps
    // with >= and <. Decision: two strings compare by code point; mixed types are false.
    ["s > 'a'", true],
    ["s < 'a'", false],
    ["s <= 'b'", true],
    ["s > 'B'", true], // 'b' (U+0062) sorts after 'B' (U+0042)
    ["ts > '2024-01-01T23:59:59Z'", true],
    ["n > '4'", false], // mixed types (found at run time) are false
    ['s > 1', false],
    ['z < 1', false],
    ['missing > 0', false],
    ['b > 0', false],
    ['list > 0', false],
    ['length(list) > 0', true],
  ])
})

test('in: membership with = semantics; false unless the right side is a list', () => {
  const message = { type: 'track', n: 2, tags: ['a', 'b', null], nested: [[1, 2]], text: 'abc', none: null }
  expectAll(message, [
    ["type in ['track', 'identify']", true],
    ["type in ['page']", false],
    ['type in []', false],
    ["'a' in tags", true],
    ['null in tags', true],
    ['missing in tags', true], // a missing field is null, and the list holds null
    ["'c' in tags", false],
    ['n in [1, 2, 3]', true],
    ["n in ['2']", false], // typed
    ["'a' in text", false], // a string is not a list
    ["'a' in none", false],
    ["'a' in missing", false],
  ])
  // A list literal before `in` is refused by the parser; a path holding a list compares with =.
  expectAll({ pair: [1, 2], nested: [[1, 2]] }, [['pair in nested', true]])
  // List elements may be paths and calls.
  expectAll({ type: 'track', a: 'track' }, [["type in [a, 'x']", true]])
  expectAll({ event: 'ORDER' }, [["lowercase(event) in ['order']", true]])
})

test('field paths: nesting, escapes, own fields only, list indexes, keywords as field names', () => {
  const message = {
    properties: { 'product 1': { price: '19.99' }, 'a.b': 1, 'dark-mode': true, _x: 2, é: 3 },
    context: { traits: { '2fa': true } },
    products: [{ sku: 'A' }, { sku: 'B' }],
    null: 'field named null',
    android: 'phone',
    order: 7,
  }
  expectAll(message, [
    ["properties.product\\ 1.price = '19.99'", true], // the page's example
    ['properties.a\\.b = 1', true],
    ['properties.dark-mode', true],
    ['properties._x = 2', true],
    ['properties.\\é = 3', true],
    ['context.traits.2fa', true], // after a dot a segment may start with a digit
    ["products.1.sku = 'B'", true], // digits index into a list, as in tsub-js
    ['products.2.sku = null', true],
    ['products.x = null', true],
    ["\\null = 'field named null'", true],
    ["android = 'phone'", true], // not the keyword `and`
    ['order = 7', true], // not the keyword `or`
    // Only the message's own fields: inherited object members are not fields.
    ['constructor = null', true],
    ['properties.toString = null', true],
    ['__proto__ = null', true],
    ['properties.price = null', true],
  ])
})

test('a field holding a JSON object or list compares as a value, never as a condition', () => {
  expectAll({ o: { a: 1 }, l: [] }, [
    ['o', false],
    ['!o', true],
    ['l or o', false],
    ["typeof(o) = 'object'", true],
    ["typeof(l) = 'list'", true],
  ])
})

test('evaluateFqlValue returns the value of non-boolean expressions (Protocols FQL-defined properties)', () => {
  const parsed = parseFql('lowercase(properties.prop1)', { expect: 'value' })
  assert.ok(parsed.ok)
  assert.equal(evaluateFqlValue(parsed.expr, { properties: { prop1: 'HeLLo' } }), 'hello')
  assert.equal(evaluateFqlValue(parsed.expr, {}), null)
  const path = parseFql('properties.list', { expect: 'value' })
  assert.ok(path.ok)
  assert.deepEqual(evaluateFqlValue(path.expr, { properties: { list: [1] } }), [1])
})

test('compileFql: parse once, evaluate many; errors as from parseFql', () => {
  const compiled = compileFql("type = 'track'")
  assert.ok(compiled.ok)
  assert.equal(compiled.predicate({ type: 'track' }), true)
  assert.equal(compiled.predicate({ type: 'page' }), false)
  assert.equal(compiled.predicate(null), false)
  assert.equal(compiled.predicate('not an object'), false)
  const broken = compileFql("type = 'track")
  assert.equal(broken.ok, false)
})

test('evaluation never throws on odd messages', () => {
  const parsed = parseFql("a.b.c = 1 or length(a) > 0 or match(a, '*') or a in [1] or typeof(a) = 'x'")
  assert.ok(parsed.ok)
  for (const message of [null, undefined, 1, 'x', [], [1], {}, { a: null }, { a: [] }, { a: { b: 'x' } }]) {
    assert.equal(typeof evaluateFql(parsed.expr, message), 'boolean')
  }
})

test('hostile messages: long strings and long lists', () => {
  const long = 'x'.repeat(1_000_000)
  expectAll({ s: long, l: Array.from({ length: 100_000 }, (_, i) => i) }, [
    ["contains(s, 'xx')", true],
    ["match(s, '*x*y*')", false],
    ['length(s) = 1000000', true],
    ['99999 in l', true],
    ['length(l) = 100000', true],
  ])
})
