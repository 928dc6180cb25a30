import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { ColumnType } from '../../schema/index.ts'
import type { ColumnSpec, LoadRow } from '../loader.ts'
import { copyBinaryChunks, copyRowEnds, copyRowsAsText, CopyRowWriter } from './postgres-copy-binary.ts'
import { copyTextChunks } from './postgres-copy.ts'

const bytes = (chunks: Iterable<Uint8Array>) => Buffer.concat([...chunks])
const hex = (data: Uint8Array) => Buffer.from(data).toString('hex')

/** One value per case: the binary form's bytes after the 32-bit length, and the COPY text of the same value. */
const FIELDS: [type: ColumnType, value: unknown, binary: string, text: string][] = [
  ['varchar', 'abc', '616263', 'abc'],
  ['varchar', '', '', ''],
  ['varchar', 'ü😀', 'c3bcf09f9880', 'ü😀'],
  ['varchar', 'a\tb\nc\\d\re', '6109620a635c640d65', 'a\\tb\\nc\\\\d\\re'],
  ['varchar', 'n\0ul', '6e756c', 'nul'],
  ['varchar', 42, '3432', '42'],
  ['bigint', 1, '0000000000000001', '1'],
  ['bigint', -1, 'ffffffffffffffff', '-1'],
  ['bigint', 2 ** 53 + 2, '0020000000000002', '9007199254740994'],
  ['bigint', '9223372036854775807', '7fffffffffffffff', '9223372036854775807'],
  ['bigint', '-9223372036854775808', '8000000000000000', '-9223372036854775808'],
  ['double', 1.5, '3ff8000000000000', '1.5'],
  ['double', -0, '0000000000000000', '0'],
  ['double', 0.1, '3fb999999999999a', '0.1'],
  ['boolean', true, '01', 't'],
  ['boolean', false, '00', 'f'],
  // Microseconds since 2000-01-01 UTC.
  ['timestamp', '2000-01-01T00:00:00.000Z', '0000000000000000', '2000-01-01T00:00:00.000Z'],
  ['timestamp', '2000-01-01T00:00:00.000001Z', '0000000000000001', '2000-01-01T00:00:00.000001Z'],
  ['timestamp', '1999-12-31T23:59:59.999999Z', 'ffffffffffffffff', '1999-12-31T23:59:59.999999Z'],
  ['timestamp', '1970-01-01T00:00:00.000Z', 'fffca2fec4c82000', '1970-01-01T00:00:00.000Z'],
  ['timestamp', '2026-11-20T08:00:00.123Z', '000303af66458078', '2026-11-20T08:00:00.123Z'],
  ['timestamp', '9999-12-31T23:59:59.999999Z', '0380e70b913b7fff', '9999-12-31T23:59:59.999999Z'],
  ['timestamp', '0001-01-01T00:00:00.000Z', 'ff1fe2ffc59c6000', '0001-01-01T00:00:00.000Z'],
]

describe('COPY binary format', () => {
  for (const [type, value, binary, text] of FIELDS)
    test(`${type} ${JSON.stringify(value)}`, () => {
      const columns: ColumnSpec[] = [{ name: 'v', type }]
      const data = bytes(copyBinaryChunks('t', columns, [{ v: value } as LoadRow]))
      const length = (binary.length / 2).toString(16).padStart(8, '0')
      assert.equal(hex(data), `0001${length}${binary}`)
      // The text the server would have been sent instead, and reads the same value from.
      assert.equal(copyRowsAsText(data, columns), `${text}\n`)
      assert.equal(
        copyRowsAsText(data, columns),
        [...copyTextChunks('t', columns, [{ v: value } as LoadRow])].join(''),
      )
    })

  test('NULL is a length of -1', () => {
    const columns: ColumnSpec[] = [
      { name: 'a', type: 'varchar' },
      { name: 'b', type: 'bigint' },
    ]
    const data = bytes(copyBinaryChunks('t', columns, [{ a: null }]))
    assert.equal(hex(data), '0002ffffffffffffffff')
    assert.equal(copyRowsAsText(data, columns), '\\N\t\\N\n')
  })

  test('a value its column cannot hold is a data error naming the table, column and row', () => {
    assert.throws(
      () => bytes(copyBinaryChunks('t', [{ name: 'id', type: 'timestamp' }], [{ id: 'soon' }])),
      (e: Error) =>
        /Table "t", row with id "soon": "soon" is not a valid timestamp for column "id"/.test(e.message),
    )
  })

  // The planner writes rows whole (`values`): slot values with timestamps as epoch milliseconds.
  const TYPES: ColumnType[] = ['varchar', 'bigint', 'double', 'boolean', 'timestamp', 'varchar']
  const COLUMNS: ColumnSpec[] = TYPES.map((type, i) => ({ name: `c${i}`, type }))
  const rowsWhole: (string | number | boolean | undefined)[][] = [
    ['plain ascii', 7, 2.5, true, Date.parse('2026-11-20T08:00:00.123Z'), undefined],
    ['ünïcode 😀', -(2 ** 60), -0, false, Date.parse('1999-12-31T23:59:59.999Z'), 'tail'],
    ['with\0nul', undefined, undefined, undefined, undefined, '\ttab'],
    [undefined, 0, 1e300, true, Date.parse('0001-01-01T00:00:00.000Z'), ''],
  ]

  test('rows written whole are the rows written value by value', () => {
    for (const values of rowsWhole) {
      const whole = new CopyRowWriter(16)
      whole.values(values, COLUMNS)
      const single = new CopyRowWriter(16)
      single.row(values.length)
      values.forEach((v, i) => (v === undefined ? single.null() : single.value(v, TYPES[i]!)))
      assert.equal(hex(whole.rows()), hex(single.rows()), JSON.stringify(values))
    }
  })

  test('copyRowEnds finds where each row ends', () => {
    const writer = new CopyRowWriter(8)
    const ends: number[] = []
    for (const values of rowsWhole) {
      writer.values(values, COLUMNS)
      ends.push(writer.length)
    }
    assert.deepEqual(copyRowEnds(writer.rows()), ends)
    assert.deepEqual(copyRowEnds(new Uint8Array(0)), [])
  })
})
