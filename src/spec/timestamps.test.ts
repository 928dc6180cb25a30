import assert from 'node:assert/strict'
import { test } from 'node:test'
import { correctedTimestamp, parseTimestamp } from './timestamps.ts'

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
