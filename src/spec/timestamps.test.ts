import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  canonicalMillis,
  correctedTimestamp,
  formatTimestamp,
  parseCanonical,
  parseTimestamp,
  readTimestamp,
} from './timestamps.ts'

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
    // A character just below '0' or just above '9', in each field.
    ['2/26-01-02T03:04:05.678Z', undefined],
    ['202:-01-02T03:04:05.678Z', undefined],
    ['2026-/1-02T03:04:05.678Z', undefined],
    ['2026-01-0:T03:04:05.678Z', undefined],
    ['2026-01-02T/3:04:05.678Z', undefined],
    ['2026-01-02T03:0::05.678Z', undefined],
    ['2026-01-02T03:04:0/.678Z', undefined],
    ['2026-01-02T03:04:05.:78Z', undefined],
    ['2026-01-02T03:04:05.67/Z', undefined],
    ['2026-01-02T03:04:05.6\u0668Z', undefined], // an Arabic-Indic digit
  ]
  for (const [input, expected] of cases) {
    test(`${input} → ${expected ?? 'absent'}`, () => {
      assert.equal(parseTimestamp(input)?.toISOString(), expected)
      assert.equal(readTimestamp(input)?.text, expected)
    })
  }

  test('a timestamp reads the same whatever was read before it', () => {
    const cases: [string, number | undefined][] = [
      ['2026-01-02T03:04:05.678Z', Date.UTC(2026, 0, 2, 3, 4, 5, 678)],
      ['2026-01-02T03:59:59.999Z', Date.UTC(2026, 0, 2, 3, 59, 59, 999)],
      ['2026-01-02T03:60:00.000Z', undefined], // the same hour, an impossible minute
      ['2026-01-02T03:00:6x.000Z', undefined],
      ['2026-01-02T03:00:00.000+', undefined],
      ['2026-01-02T04:00:00.000Z', Date.UTC(2026, 0, 2, 4)],
      ['2026-01-02T03:00:00.001Z', Date.UTC(2026, 0, 2, 3, 0, 0, 1)], // back to the hour before
      ['2026-02-30T03:00:00.000Z', undefined],
      ['2026-02-30T03:00:00.000Z', undefined], // again
      ['2026-01-02T03:04:05.678Z', Date.UTC(2026, 0, 2, 3, 4, 5, 678)],
    ]
    for (const [input, expected] of cases) assert.equal(canonicalMillis(input), expected, input)
  })

  test('every instant of years 0001-9999 reads back from its toISOString()', () => {
    let seed = 7
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647
    const first = Date.parse('0001-01-01T00:00:00.000Z')
    const last = Date.parse('9999-12-31T23:59:59.999Z')
    for (let i = 0; i < 5000; i++) {
      const t = Math.floor(first + random() * (last - first))
      assert.equal(canonicalMillis(new Date(t).toISOString()), t)
    }
  })

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

/** Deterministic pseudo-random integers in [0, n), so that a failure can be replayed. */
function sequence(seed: number): (n: number) => number {
  let state = seed
  return (n) => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0
    return Math.floor((state / 2 ** 32) * n)
  }
}

describe('formatTimestamp writes what toISOString writes', () => {
  const edges = [
    '0000-01-01T00:00:00.000Z',
    '0000-02-29T23:59:59.999Z',
    '0099-12-31T23:59:59.999Z',
    '1899-12-31T23:59:59.999Z',
    '1969-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00.000Z',
    '2000-02-29T12:00:00.001Z',
    '2026-11-22T10:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
  ].map((text) => Date.parse(text))
  const outside = [Date.parse('0000-01-01T00:00:00.000Z') - 1, Date.parse('9999-12-31T23:59:59.999Z') + 1]
  const next = sequence(7)
  const span = edges.at(-1)! - edges[0]!
  const sampled = Array.from({ length: 20_000 }, () => edges[0]! + next(span))
  for (const [name, times] of [
    ['years 0000 and 9999, epoch and leap days', edges],
    ["outside four-digit years (toISOString's six-digit form)", [...outside, -8.64e15, 8.64e15]],
    ['20,000 instants between year 0 and 9999', sampled],
  ] as const) {
    test(name, () => {
      for (const time of times) assert.equal(formatTimestamp(new Date(time)), new Date(time).toISOString())
    })
  }
  test('an invalid date throws as toISOString does', () => {
    assert.throws(() => formatTimestamp(new Date(Number.NaN)), RangeError)
  })
})

describe('parseCanonical reads what Date.parse reads, refusing rolled-over dates', () => {
  // The reading it replaced: a regular expression, Date.parse, and a day-of-month check.
  const reference = (value: string): number | undefined => {
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(value)) return undefined
    const date = new Date(Date.parse(value))
    if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(value.slice(8, 10))) return undefined
    return date.getTime()
  }
  const cases = [
    '2026-01-02T03:04:05.678Z',
    '0000-01-01T00:00:00.000Z',
    '0000-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2000-02-29T00:00:00.000Z',
    '2100-02-29T00:00:00.000Z',
    '9999-12-31T23:59:59.999Z',
    '2026-00-10T00:00:00.000Z',
    '2026-01-00T00:00:00.000Z',
    '2026-01-32T00:00:00.000Z',
    '2026-06-31T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '2026-01-01T23:60:00.000Z',
    '2026-01-01T23:59:60.000Z',
    '2026-01-01T23:59:59.99xZ',
    '2026-01-01T23:59:59.-99Z',
    '2026-01-01t23:59:59.999Z',
    '2026-01-01T23:59:59.999z',
    '2026-01-01 23:59:59.999Z',
    '+026-01-01T23:59:59.999Z',
    '2026-01-01T23:59:59.9999Z',
    '2026-1-01T23:59:59.999Z',
  ]
  for (const input of cases) {
    test(input, () => assert.equal(parseCanonical(input)?.getTime(), reference(input)))
  }
  test('every day of years 1999–2001 and random fields', () => {
    const next = sequence(11)
    const two = (n: number) => String(n).padStart(2, '0')
    for (let i = 0; i < 20_000; i++) {
      const text = `${String(1999 + next(3)).padStart(4, '0')}-${two(next(14))}-${two(next(33))}T${two(next(25))}:${two(next(61))}:${two(next(61))}.${String(next(1000)).padStart(3, '0')}Z`
      assert.equal(parseCanonical(text)?.getTime(), reference(text), text)
    }
  })
})
