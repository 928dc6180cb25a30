import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { dedupeRows } from '../../src/warehouses/loaders/batch.ts'
import { copyTextChunks, escapeCopyText } from '../../src/warehouses/loaders/postgres/postgres-copy.ts'
import { columnTypeOf } from '../../src/warehouses/loaders/sql.ts'
import {
  readInstant,
  readInt64,
  readTimestampMicros,
  timestampText,
} from '../../src/warehouses/loaders/values.ts'

const ms = (iso: string) => Date.parse(iso)

describe('timestamps', () => {
  const cases: [input: unknown, expected: { ms: number; us: number } | undefined][] = [
    ['2024-05-01T12:34:56.789Z', { ms: ms('2024-05-01T12:34:56.789Z'), us: 0 }],
    ['2024-05-01 12:34:56.789z', { ms: ms('2024-05-01T12:34:56.789Z'), us: 0 }],
    ['2024-05-01T12:34:56.789123456Z', { ms: ms('2024-05-01T12:34:56.789Z'), us: 123 }],
    ['2024-05-01T12:34:56.7Z', { ms: ms('2024-05-01T12:34:56.700Z'), us: 0 }],
    ['2024-05-01T12:34:56,5Z', { ms: ms('2024-05-01T12:34:56.500Z'), us: 0 }],
    ['2024-05-01T14:34:56+02:00', { ms: ms('2024-05-01T12:34:56Z'), us: 0 }],
    ['2024-05-01T10:04:56-0230', { ms: ms('2024-05-01T12:34:56Z'), us: 0 }],
    ['2024-05-01T12:34:56-05', { ms: ms('2024-05-01T17:34:56Z'), us: 0 }],
    ['2024-05-01T12:34', { ms: ms('2024-05-01T12:34:00Z'), us: 0 }],
    ['2024-05-01', { ms: ms('2024-05-01T00:00:00Z'), us: 0 }],
    ['  2024-05-01T00:00:00Z  ', { ms: ms('2024-05-01T00:00:00Z'), us: 0 }],
    ['2024-02-29T00:00:00.000Z', { ms: ms('2024-02-29T00:00:00Z'), us: 0 }],
    ['2000-02-29T00:00:00Z', { ms: ms('2000-02-29T00:00:00Z'), us: 0 }],
    ['1969-12-31T23:59:59.999999Z', { ms: -1, us: 999 }],
    ['0001-01-01T00:00:00.000Z', { ms: ms('0001-01-01T00:00:00Z'), us: 0 }],
    ['9999-12-31T23:59:59.999Z', { ms: ms('9999-12-31T23:59:59.999Z'), us: 0 }],
    [new Date('2024-05-01T12:00:00.001Z'), { ms: ms('2024-05-01T12:00:00.001Z'), us: 0 }],
    ['2023-02-29T00:00:00Z', undefined],
    ['1900-02-29T00:00:00.000Z', undefined],
    ['2024-04-31', undefined],
    ['2024-13-01', undefined],
    ['2024-00-10', undefined],
    ['2024-05-01T24:00:00Z', undefined],
    ['2024-05-01T12:60:00Z', undefined],
    ['2024-05-01T12:00:60Z', undefined],
    ['2024-05-01T12:00:00+24:00', undefined],
    ['0000-12-31T23:59:59Z', undefined],
    ['0001-01-01T00:30:00+01:00', undefined],
    ['10000-01-01', undefined],
    ['2024-5-1', undefined],
    ['yesterday', undefined],
    ['', undefined],
    [new Date(Number.NaN), undefined],
    [1714564800000, undefined],
    [null, undefined],
  ]
  for (const [input, expected] of cases)
    test(`readInstant(${input instanceof Date ? `Date ${String(input)}` : JSON.stringify(input)})`, () => {
      assert.deepEqual(readInstant(input), expected)
    })

  test('microseconds since the epoch', () => {
    assert.equal(readTimestampMicros('1970-01-01T00:00:00.000001Z'), 1n)
    assert.equal(readTimestampMicros('1969-12-31T23:59:59.999999Z'), -1n)
    assert.equal(
      readTimestampMicros('2024-05-01T12:00:00.123456Z'),
      BigInt(ms('2024-05-01T12:00:00.123Z')) * 1000n + 456n,
    )
  })

  test('text for PostgreSQL: canonical strings pass as they are, others are written in UTC', () => {
    const text = (v: unknown) => timestampText(v, readInstant(v)!)
    assert.equal(text('2024-05-01T12:34:56.789Z'), '2024-05-01T12:34:56.789Z')
    assert.equal(text('2024-05-01T14:34:56+02:00'), '2024-05-01T12:34:56.000Z')
    assert.equal(text('2024-05-01T12:34:56.000001Z'), '2024-05-01T12:34:56.000001Z')
    assert.equal(text('0099-01-01'), '0099-01-01T00:00:00.000Z')
    assert.equal(text(new Date('2024-05-01T00:00:00Z')), '2024-05-01T00:00:00.000Z')
  })
})

test('readInt64 takes integers within signed 64 bits', () => {
  assert.equal(readInt64(42), 42n)
  assert.equal(readInt64(-0), 0n)
  assert.equal(readInt64(2 ** 53), 2n ** 53n)
  assert.equal(readInt64('9223372036854775807'), 2n ** 63n - 1n)
  assert.equal(readInt64('-9223372036854775808'), -(2n ** 63n))
  assert.equal(readInt64('+7'), 7n)
  assert.equal(readInt64('9223372036854775808'), undefined)
  assert.equal(readInt64(2 ** 63), undefined)
  assert.equal(readInt64(1.5), undefined)
  assert.equal(readInt64('1.0'), undefined)
  assert.equal(readInt64('1e3'), undefined)
  assert.equal(readInt64(''), undefined)
  assert.equal(readInt64(true), undefined)
})

describe('COPY text format', () => {
  test('escapes backslash, newline, carriage return and tab; drops NUL', () => {
    assert.equal(escapeCopyText('plain "quotes", \'single\' ünï 😀'), 'plain "quotes", \'single\' ünï 😀')
    assert.equal(escapeCopyText('a\\b\nc\rd\te\0f'), 'a\\\\b\\nc\\rd\\tef')
    assert.equal(escapeCopyText('\\N'), '\\\\N')
  })

  test('one line per row, tabs between values, \\N for NULL', () => {
    const chunks = [
      ...copyTextChunks(
        't',
        [
          { name: 'id', type: 'varchar' },
          { name: 'ts', type: 'timestamp' },
          { name: 'n', type: 'bigint' },
          { name: 'd', type: 'double' },
          { name: 'b', type: 'boolean' },
          { name: 's', type: 'varchar' },
        ],
        [
          { id: 'a', ts: '2024-05-01T12:00:00+01:00', n: 2n ** 62n, d: 0.1, b: true, s: 'x\ty' },
          { id: 'b', n: 7, d: 1e21, b: false, s: '' },
          { id: 'c', s: 42 },
        ],
      ),
    ]
    assert.deepEqual(chunks, [
      'a\t2024-05-01T11:00:00.000Z\t4611686018427387904\t0.1\tt\tx\\ty\n' +
        'b\t\\N\t7\t1e+21\tf\t\n' +
        'c\t\\N\t\\N\t\\N\t\\N\t42\n',
    ])
  })
})

test('dedupeRows: first wins for events, later non-null values win for upserts', () => {
  const rows = [
    { id: 'a', x: 1, y: 'keep' },
    { id: 'b', x: 2 },
    { id: 'a', x: 3, y: null },
    { id: 1, x: 4 },
    { id: '1', z: 5 },
  ]
  assert.deepEqual(dedupeRows('t', rows, 'first'), [
    { id: 'a', x: 1, y: 'keep' },
    { id: 'b', x: 2 },
    { id: 1, x: 4 },
  ])
  assert.deepEqual(dedupeRows('t', rows, 'merge'), [
    { id: 'a', x: 3, y: 'keep' },
    { id: 'b', x: 2 },
    { id: '1', x: 4, z: 5 },
  ])
})

test('columnTypeOf reads engine types, widened ones included', () => {
  const cases: [string, string][] = [
    ['timestamp with time zone', 'timestamp'],
    ['TIMESTAMP WITH TIME ZONE', 'timestamp'],
    ['timestamp without time zone', 'timestamp'],
    ['date', 'timestamp'],
    ['bigint', 'bigint'],
    ['INTEGER', 'bigint'],
    ['smallint', 'bigint'],
    ['HUGEINT', 'bigint'],
    ['UBIGINT', 'bigint'],
    ['double precision', 'double'],
    ['DOUBLE', 'double'],
    ['real', 'double'],
    ['numeric', 'double'],
    ['DECIMAL(38,6)', 'double'],
    ['boolean', 'boolean'],
    ['text', 'varchar'],
    ['character varying', 'varchar'],
    ['VARCHAR', 'varchar'],
    ['jsonb', 'varchar'],
  ]
  for (const [engineType, expected] of cases) assert.equal(columnTypeOf(engineType), expected, engineType)
})
