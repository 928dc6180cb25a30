import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { correctedTimestamp, parseTimestamp, readTimestamp } from './timestamps.ts'

// [input, expected ISO or undefined]
const parseCases: [unknown, string | undefined][] = [
  ['2015-12-12T19:11:01.266Z', '2015-12-12T19:11:01.266Z'],
  ['2015-2-02T00:30:08.276Z', '2015-02-02T00:30:08.276Z'],
  ['2024-01-01T00:00:00.123456+00:00', '2024-01-01T00:00:00.123Z'],
  ['2024-01-01 10:00:00+0200', '2024-01-01T08:00:00.000Z'],
  ['2024-01-01T10:00:00-05', '2024-01-01T15:00:00.000Z'],
  ['2024-01-01T10:00', '2024-01-01T10:00:00.000Z'],
  ['2024-01-01', '2024-01-01T00:00:00.000Z'],
  ['2024-02-29T12:00:00Z', '2024-02-29T12:00:00.000Z'],
  ['0099-06-01T00:00:00Z', '0099-06-01T00:00:00.000Z'],
  ['2023-02-29T12:00:00Z', undefined],
  ['2024-13-01T00:00:00Z', undefined],
  ['2024-01-01T24:00:00Z', undefined],
  ['2024-01-01T10:00:00+25:00', undefined],
  ['1449947461249', undefined],
  [1449947461249, undefined],
  ['Sat, 12 Dec 2015 19:11:01 GMT', undefined],
  ['', undefined],
  [null, undefined],
  [{}, undefined],
  [`2024-01-01T00:00:00.${'1'.repeat(80)}Z`, undefined],
]

for (const [input, expected] of parseCases) {
  test(`parseTimestamp(${JSON.stringify(input)?.slice(0, 40)})`, () => {
    assert.equal(parseTimestamp(input)?.toISOString(), expected)
  })
}

test('correctedTimestamp falls back to the client time when the arithmetic leaves the Date range', () => {
  const original = new Date('2015-01-01T00:00:00.000Z')
  const result = correctedTimestamp({
    receivedAt: new Date(8.64e15),
    sentAt: new Date(-8.64e15),
    originalTimestamp: original,
  })
  assert.equal(result.getTime(), original.getTime())
})

describe('the canonical fast path agrees with the full parser', () => {
  const cases: [string, string | undefined][] = [
    ['2026-01-02T03:04:05.678Z', '2026-01-02T03:04:05.678Z'],
    ['2024-02-29T00:00:00.000Z', '2024-02-29T00:00:00.000Z'],
    ['2026-02-29T00:00:00.000Z', undefined], // not a leap year: Date.parse alone would say Mar 1
    ['2026-02-30T00:00:00.000Z', undefined],
    ['2026-04-31T12:00:00.000Z', undefined],
    ['2026-01-01T24:00:00.000Z', undefined], // Date.parse alone would say Jan 2
    ['2026-13-01T00:00:00.000Z', undefined],
    ['2026-01-01T23:60:00.000Z', undefined],
  ]
  for (const [input, expected] of cases) {
    test(`${input} → ${expected ?? 'absent'}`, () => {
      assert.equal(parseTimestamp(input)?.toISOString(), expected)
      assert.equal(readTimestamp(input)?.text, expected)
    })
  }

  test('a canonical input is kept as written; another form is formatted', () => {
    const canonical = '2026-01-02T03:04:05.678Z'
    assert.equal(readTimestamp(canonical)?.text, canonical)
    assert.equal(readTimestamp('2026-01-02T04:04:05.678+01:00')?.text, canonical)
    assert.equal(readTimestamp('2015-2-02T00:00:00Z')?.text, '2015-02-02T00:00:00.000Z')
    assert.equal(readTimestamp(42), undefined)
  })
})

test('absurd client clocks never yield a timestamp outside four-digit years', () => {
  const receivedAt = new Date('2026-11-22T10:00:00.000Z')
  const corrected = correctedTimestamp({
    receivedAt,
    sentAt: new Date('0000-01-01T00:00:00.000Z'),
    originalTimestamp: new Date('9999-12-31T00:00:00.000Z'),
  })
  assert.match(corrected.toISOString(), /^\d{4}-/)
  assert.equal(
    corrected.toISOString(),
    '9999-12-31T00:00:00.000Z',
    'falls back to the client time when that is valid',
  )
})
