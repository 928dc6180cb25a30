import assert from 'node:assert/strict'
import { test } from 'node:test'
import { deflateSync, gzipSync } from 'node:zlib'
import { UndecodableBody, decodeBody, nestingDepth } from './body.ts'
import { MAX_NESTING_DEPTH } from './limits.ts'

const json = (v: unknown) => Buffer.from(JSON.stringify(v))

test('parses JSON whatever the encoding', () => {
  const body = { type: 'track', event: 'Käse gekauft 🧀' }
  assert.deepEqual(decodeBody(json(body), undefined), body)
  assert.deepEqual(decodeBody(gzipSync(json(body)), 'gzip'), body)
  assert.deepEqual(decodeBody(deflateSync(json(body)), 'deflate'), body)
  assert.deepEqual(decodeBody(json(body), 'identity'), body)
})

const refusals: [name: string, raw: Buffer, encoding: string | undefined, message: RegExp][] = [
  ['empty', Buffer.alloc(0), undefined, /empty/],
  ['whitespace', Buffer.from('  \n'), undefined, /empty/],
  ['not JSON', Buffer.from('type=track'), undefined, /not valid JSON/],
  ['truncated JSON', Buffer.from('{"type":"tr'), undefined, /not valid JSON/],
  ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), undefined, /UTF-8/],
  ['gzip that is not gzip', Buffer.from('{}'), 'gzip', /not valid gzip/],
  ['unknown encoding', Buffer.from('{}'), 'br', /not supported/],
  [
    'too deep',
    Buffer.from('['.repeat(MAX_NESTING_DEPTH + 1) + ']'.repeat(MAX_NESTING_DEPTH + 1)),
    undefined,
    /levels deep/,
  ],
  [
    'absurdly deep',
    Buffer.from('['.repeat(200_000) + ']'.repeat(200_000)),
    undefined,
    /not valid JSON|levels deep/,
  ],
]
for (const [name, raw, encoding, message] of refusals) {
  test(`refuses ${name} with a reason`, () => {
    assert.throws(
      () => decodeBody(raw, encoding),
      (e: unknown) => e instanceof UndecodableBody && message.test(e.message),
    )
  })
}

test('a gzip bomb stops at the request limit', () => {
  const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 0x20))
  assert.ok(bomb.length < 100 * 1024)
  assert.throws(
    () => decodeBody(bomb, 'gzip'),
    (e: unknown) => e instanceof UndecodableBody && e.tooLarge,
  )
})

test('nesting depth counts objects and arrays, not brackets in strings', () => {
  const depth = (json: string, limit = 10) => nestingDepth(Buffer.from(json), limit)
  const cases: [string, number][] = [
    ['"x"', 0],
    ['{}', 1],
    ['{"a":[{"b":1}]}', 3],
    ['{"a":"[[[{{{"}', 1],
    ['{"a":"\\\\"}', 1],
    ['{"a":"\\\\\\"[[["}', 1],
    ['{"a":"é[ü]"}', 1],
    ['[[],[[]]]', 3],
  ]
  for (const [json, expected] of cases) assert.equal(depth(json), expected, json)
  assert.equal(depth('{"a":{"b":{"c":{}}}}', 2), 3, 'stops once past the limit')
  assert.equal(
    decodeBody(Buffer.from('['.repeat(MAX_NESTING_DEPTH) + ']'.repeat(MAX_NESTING_DEPTH)), undefined) !==
      undefined,
    true,
  )
})
