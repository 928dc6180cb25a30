import assert from 'node:assert/strict'
import { test } from 'node:test'
import { readBatch, readWriteKey } from './batch.ts'
import { MAX_BATCH_MESSAGES } from './messages.ts'
import { validateMessage } from './validation.ts'

// [name, body, reason, field]
const refused: [string, unknown, string, string][] = [
  ['null body', null, 'bad_request', ''],
  ['array body', [{ type: 'track' }], 'bad_request', ''],
  ['string body', 'batch', 'bad_request', ''],
  ['no batch field', { writeKey: 'k' }, 'empty_batch', 'batch'],
  ['null batch', { batch: null }, 'empty_batch', 'batch'],
  ['empty batch', { batch: [] }, 'empty_batch', 'batch'],
  ['batch is an object', { batch: { type: 'track' } }, 'bad_request', 'batch'],
  ['batch is a string', { batch: '[]' }, 'bad_request', 'batch'],
  ['batch context is an array', { batch: [{}], context: [] }, 'bad_request', 'context'],
  ['batch integrations is a string', { batch: [{}], integrations: 'All' }, 'bad_request', 'integrations'],
]

for (const [name, body, reason, field] of refused) {
  test(`refuses: ${name}`, () => {
    const result = readBatch(body)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.equal(result.reason, reason)
    assert.equal(result.field, field)
  })
}

test("reads analytics.js's /v1/b body", () => {
  const body = {
    writeKey: 'wk_123',
    sentAt: '2024-05-01T10:00:05.000Z',
    batch: [
      { type: 'track', anonymousId: 'a1', event: 'Clicked', timestamp: '2024-05-01T10:00:00.000Z' },
      { type: 'page', anonymousId: 'a1', name: 'Home' },
    ],
  }
  const result = readBatch(body)
  assert.ok(result.ok)
  assert.equal(result.writeKey, 'wk_123')
  assert.equal(result.sentAt, '2024-05-01T10:00:05.000Z')
  assert.equal(result.context, undefined)
  assert.equal(result.integrations, undefined)
  assert.equal(result.overLimit, 0)
  assert.deepEqual(result.messages, body.batch)
})

test("merges the batch's context and integrations under each message's own", () => {
  const body = {
    batch: [
      { type: 'identify', userId: 'u1' },
      { type: 'track', userId: 'u1', event: 'X', context: { device: { id: 'd1' }, ip: '1.2.3.4' } },
      { type: 'track', userId: 'u1', event: 'Y', integrations: { All: true, Mixpanel: { token: 't' } } },
      { type: 'track', userId: 'u1', event: 'Z', context: ['junk'] },
      'not an object',
    ],
    context: { device: { type: 'phone', name: 'Apple iPhone 6' }, ip: '9.9.9.9' },
    integrations: { All: false, Mixpanel: true },
  }
  const snapshot = structuredClone(body)
  const result = readBatch(body)
  assert.ok(result.ok)
  assert.deepEqual(result.messages, [
    {
      type: 'identify',
      userId: 'u1',
      context: { device: { type: 'phone', name: 'Apple iPhone 6' }, ip: '9.9.9.9' },
      integrations: { All: false, Mixpanel: true },
    },
    {
      type: 'track',
      userId: 'u1',
      event: 'X',
      context: { device: { type: 'phone', name: 'Apple iPhone 6', id: 'd1' }, ip: '1.2.3.4' },
      integrations: { All: false, Mixpanel: true },
    },
    {
      type: 'track',
      userId: 'u1',
      event: 'Y',
      context: { device: { type: 'phone', name: 'Apple iPhone 6' }, ip: '9.9.9.9' },
      integrations: { All: true, Mixpanel: { token: 't' } },
    },
    {
      type: 'track',
      userId: 'u1',
      event: 'Z',
      context: ['junk'],
      integrations: { All: false, Mixpanel: true },
    },
    'not an object',
  ])
  assert.deepEqual(body, snapshot, 'the body is not modified')
})

test('each message is validated on its own: the good ones survive, the bad ones keep their index', () => {
  const result = readBatch({
    batch: [
      { type: 'track', userId: 'u1', event: 'Good' },
      { type: 'track', userId: 'u1' },
      { type: 'identify', traits: {} },
      null,
      { type: 'alias', userId: 'u2', previousId: 'u1' },
    ],
  })
  assert.ok(result.ok)
  const outcomes = result.messages.map((message) => {
    const validated = validateMessage(message)
    return validated.ok ? 'ok' : validated.reason
  })
  assert.deepEqual(outcomes, ['ok', 'event_not_defined', 'no_user_anon_id', 'message_not_object', 'ok'])
})

test(`keeps the first ${MAX_BATCH_MESSAGES} messages and counts the rest`, () => {
  const message = { type: 'track', userId: 'u', event: 'X' }
  const over = readBatch({ batch: Array.from({ length: MAX_BATCH_MESSAGES + 3 }, () => message) })
  assert.ok(over.ok)
  assert.equal(over.messages.length, MAX_BATCH_MESSAGES)
  assert.equal(over.overLimit, 3)
  const exactly = readBatch({ batch: Array.from({ length: MAX_BATCH_MESSAGES }, () => message) })
  assert.ok(exactly.ok)
  assert.equal(exactly.overLimit, 0)
})

test('a non-string sentAt or writeKey is ignored', () => {
  const result = readBatch({ batch: [{}], sentAt: 1714557605000, writeKey: 42 })
  assert.ok(result.ok)
  assert.equal(result.sentAt, undefined)
  assert.equal(result.writeKey, undefined)
})

test('readWriteKey reads single-message bodies too', () => {
  const cases: [unknown, string | undefined][] = [
    [{ writeKey: 'abc', type: 'track' }, 'abc'],
    [{ writeKey: '' }, undefined],
    [{ writeKey: ['abc'] }, undefined],
    [{}, undefined],
    [null, undefined],
  ]
  for (const [body, expected] of cases) assert.equal(readWriteKey(body), expected)
})
