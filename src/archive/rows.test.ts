import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { IngestEnvelope } from '../spec/index.ts'
import { BlockingRules } from './blocking.ts'
import { archiveRow, envelopeJson, indexable, isoTime } from './rows.ts'

const indexableCases: [value: unknown, expected: string | null][] = [
  ['u1', 'u1'],
  [42, '42'],
  [Number.NaN, null],
  [undefined, null],
  [null, null],
  [{ id: 1 }, null],
  ['x'.repeat(512), 'x'.repeat(512)],
  ['x'.repeat(513), null],
  ['with\0nul', null],
]
for (const [value, expected] of indexableCases) {
  test(`indexable(${JSON.stringify(value)?.slice(0, 20)})`, () => assert.equal(indexable(value), expected))
}

test('isoTime normalises a time, or falls back to the append time', () => {
  assert.equal(isoTime('2026-11-01T10:00:00Z', 0), '2026-11-01T10:00:00.000Z')
  assert.equal(isoTime('not a time', Date.UTC(2026, 0, 2)), '2026-01-02T00:00:00.000Z')
  assert.equal(isoTime(undefined, Date.UTC(2026, 0, 2)), '2026-01-02T00:00:00.000Z')
})

test('an archive row keeps the message whole and indexes what it can', () => {
  const envelope = {
    sourceId: 's',
    workspaceId: 'w',
    message: {
      type: 'track',
      event: 'Signed Up',
      userId: 'u'.repeat(600),
      anonymousId: 'a',
      messageId: 'm',
      receivedAt: '2026-11-01T10:00:00.000Z',
      timestamp: '2026-11-01T10:00:00.000Z',
    },
  } as IngestEnvelope
  const row = archiveRow(envelope, true, 0)
  assert.deepEqual(
    { ...row, message: JSON.parse(row.message) },
    {
      workspaceId: 'w',
      sourceId: 's',
      receivedAt: '2026-11-01T10:00:00.000Z',
      messageId: 'm',
      type: 'track',
      event: 'Signed Up',
      userId: null,
      anonymousId: 'a',
      blocked: true,
      message: envelope.message,
    },
  )
  assert.deepEqual(JSON.parse(envelopeJson({ ...row, message: row.message })), envelope)
  const identify = archiveRow(
    { ...envelope, message: { ...envelope.message, type: 'identify' } } as IngestEnvelope,
    false,
    0,
  )
  assert.equal(identify.event, null, 'only track events have an event name')
})

test('blocking rules: track events by name, per source', () => {
  const rules = new BlockingRules([
    { sourceId: 's1', event: 'Spam' },
    { sourceId: 's1', event: 'Noise' },
  ])
  assert.equal(rules.blocksAny('s1'), true)
  assert.equal(rules.blocksAny('s2'), false)
  assert.equal(rules.isBlocked('s1', { type: 'track', event: 'Spam' }), true)
  assert.equal(rules.isBlocked('s1', { type: 'track', event: 'spam' }), false, 'names match exactly')
  assert.equal(rules.isBlocked('s2', { type: 'track', event: 'Spam' }), false)
  assert.equal(rules.isBlocked('s1', { type: 'page', event: 'Spam' }), false)
})
