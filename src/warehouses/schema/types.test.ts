import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  COLUMN_TYPES,
  MAX_VARCHAR_LENGTH,
  coerce,
  inferType,
  internedColumnType,
  type ColumnType,
  type CoerceOutcome,
} from './types.ts'

// Warehouse spec §2.5 (data types, inference): the type a first non-null value gives its column.
const inferCases: [unknown, ColumnType | undefined][] = [
  [true, 'boolean'],
  [false, 'boolean'],
  [0, 'bigint'],
  [42, 'bigint'],
  [-7, 'bigint'],
  [1.0, 'bigint'], // JSON `1.0` parses to the integer 1
  [2 ** 53 + 2, 'bigint'],
  [2 ** 63, 'double'],
  [1e300, 'double'],
  [27.5, 'double'],
  [-0.25, 'double'],
  [Number.NaN, undefined],
  [Number.POSITIVE_INFINITY, undefined],
  ['2026-03-02T10:15:30.120Z', 'timestamp'],
  ['2026-03-02T10:15:30Z', 'timestamp'],
  ['2026-03-02T12:15:30+02:00', 'timestamp'],
  ['2026-03-02 10:15:30', 'timestamp'],
  ['2026-03-02T10:15', 'timestamp'],
  ['2026-03-02', 'timestamp'],
  ['0001-01-01T00:00:00Z', 'timestamp'],
  ['0000-06-01T00:00:00Z', 'varchar'], // year 0 is not a warehouse timestamp
  ['2026-02-30T00:00:00Z', 'varchar'],
  ['2026-03-02T25:00:00Z', 'varchar'],
  ['Mon, 02 Mar 2026 10:15:30 GMT', 'varchar'],
  ['1709374530', 'varchar'],
  ['42', 'varchar'],
  ['true', 'varchar'],
  ['', 'varchar'],
  ['hello', 'varchar'],
  [null, undefined],
  [undefined, undefined],
  [{ a: 1 }, undefined],
  [['a'], undefined],
]

describe('inferType', () => {
  for (const [value, expected] of inferCases) {
    test(`${JSON.stringify(value) ?? String(value)} → ${String(expected)}`, () => {
      assert.equal(inferType(value), expected)
    })
  }
})

// Warehouse spec §2.5 (types never change; mismatches get a best-effort cast, else are dropped) and
// column sizing (strings cut at 512 characters).
const coerceCases: [unknown, ColumnType, unknown, CoerceOutcome][] = [
  // varchar: anything becomes text
  ['plain', 'varchar', 'plain', 'fit'],
  ['2026-03-02T10:15:30Z', 'varchar', '2026-03-02T10:15:30Z', 'fit'], // kept as sent
  [42, 'varchar', '42', 'cast'],
  [27.5, 'varchar', '27.5', 'cast'],
  [true, 'varchar', 'true', 'cast'],
  ['x'.repeat(MAX_VARCHAR_LENGTH), 'varchar', 'x'.repeat(MAX_VARCHAR_LENGTH), 'fit'],
  ['x'.repeat(MAX_VARCHAR_LENGTH + 1), 'varchar', 'x'.repeat(MAX_VARCHAR_LENGTH), 'truncated'],
  ['😀'.repeat(MAX_VARCHAR_LENGTH), 'varchar', '😀'.repeat(MAX_VARCHAR_LENGTH), 'fit'], // 512 code points
  ['😀'.repeat(MAX_VARCHAR_LENGTH + 1), 'varchar', '😀'.repeat(MAX_VARCHAR_LENGTH), 'truncated'],
  // bigint: integers first, then later floats lose precision
  [42, 'bigint', 42, 'fit'],
  [3.7, 'bigint', 4, 'cast'],
  [2.5, 'bigint', 3, 'cast'],
  [-2.5, 'bigint', -3, 'cast'],
  [-0.2, 'bigint', 0, 'cast'],
  ['12', 'bigint', 12, 'cast'],
  [' 12.6 ', 'bigint', 13, 'cast'],
  ['1e3', 'bigint', 1000, 'cast'],
  [true, 'bigint', 1, 'cast'],
  [false, 'bigint', 0, 'cast'],
  ['abc', 'bigint', null, 'nulled'],
  ['12abc', 'bigint', null, 'nulled'],
  ['0x10', 'bigint', null, 'nulled'],
  ['', 'bigint', null, 'nulled'],
  ['2026-03-02T10:15:30Z', 'bigint', null, 'nulled'],
  [1e300, 'bigint', null, 'nulled'],
  // double
  [27.5, 'double', 27.5, 'fit'],
  [42, 'double', 42, 'fit'],
  ['3.25', 'double', 3.25, 'cast'],
  ['.5', 'double', 0.5, 'cast'],
  [true, 'double', 1, 'cast'],
  ['Infinity', 'double', null, 'nulled'],
  ['NaN', 'double', null, 'nulled'],
  ['1,5', 'double', null, 'nulled'],
  // boolean
  [true, 'boolean', true, 'fit'],
  [1, 'boolean', true, 'cast'],
  [0, 'boolean', false, 'cast'],
  [2, 'boolean', null, 'nulled'],
  ['TRUE', 'boolean', true, 'cast'],
  [' false ', 'boolean', false, 'cast'],
  ['yes', 'boolean', null, 'nulled'],
  // timestamp: ISO-8601 strings only, written in canonical UTC
  ['2026-03-02T10:15:30.120Z', 'timestamp', '2026-03-02T10:15:30.120Z', 'fit'],
  ['2026-03-02T12:15:30+02:00', 'timestamp', '2026-03-02T10:15:30.000Z', 'fit'],
  ['2026-03-02', 'timestamp', '2026-03-02T00:00:00.000Z', 'fit'],
  ['yesterday', 'timestamp', null, 'nulled'],
  [1709374530, 'timestamp', null, 'nulled'],
  [true, 'timestamp', null, 'nulled'],
  // not values at all
  [null, 'varchar', null, 'nulled'],
  [{ a: 1 }, 'varchar', null, 'nulled'],
]

describe('coerce', () => {
  for (const [value, type, expected, outcome] of coerceCases) {
    const shown = (JSON.stringify(value) ?? String(value)).slice(0, 30)
    test(`${shown} into ${type} → ${outcome}`, () => {
      assert.deepEqual(coerce(value, type), { value: expected, outcome })
    })
  }
})

test('the varchar limit can be changed', () => {
  assert.deepEqual(coerce('abcdef', 'varchar', { maxVarcharLength: 3 }), {
    value: 'abc',
    outcome: 'truncated',
  })
  assert.deepEqual(coerce('x'.repeat(600), 'varchar', { maxVarcharLength: Infinity }).outcome, 'fit')
})

test('canonical timestamps load as they are; impossible dates are not canonical', () => {
  for (const [value, expected] of [
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
    ['0001-01-01T00:00:00.000Z', '0001-01-01T00:00:00.000Z'],
    ['2023-02-29T00:00:00.000Z', null], // not a leap year
    ['2024-13-01T00:00:00.000Z', null],
    ['2024-04-31T00:00:00.000Z', null],
    ['2024-01-01T24:00:00.000Z', null],
    ['0000-01-01T00:00:00.000Z', null],
    ['2024-01-01T10:00:00Z', '2024-01-01T10:00:00.000Z'], // not canonical: parsed and rewritten
  ] as const) {
    assert.equal(coerce(value, 'timestamp').value, expected, value)
  }
})

test('a column type that came from another thread is given back as the literal', () => {
  for (const type of COLUMN_TYPES) {
    const posted = structuredClone({ type }).type
    assert.equal(internedColumnType(posted), type)
    assert.ok(COLUMN_TYPES.includes(internedColumnType(posted)))
  }
  assert.equal(internedColumnType('text' as ColumnType), 'text')
})
