import assert from 'node:assert/strict'
import { test } from 'node:test'
import { enrichMessage, type EnrichmentContext } from './enrichment.ts'
import type { JsonObject, SegmentMessage } from './messages.ts'

const RECEIVED = '2015-12-12T19:11:01.266Z'

const enrich = (fields: JsonObject, ctx: Partial<EnrichmentContext> = {}) =>
  enrichMessage({ type: 'track', event: 'X', anonymousId: 'a1', ...fields } as SegmentMessage, {
    receivedAt: new Date(RECEIVED),
    newMessageId: () => 'generated-id',
    ...ctx,
  })

// [name, message times, request sentAt, expected { originalTimestamp, sentAt, timestamp }]
type Times = { originalTimestamp?: string; sentAt?: string; timestamp: string }
const timeCases: [string, JsonObject, string | undefined, Times][] = [
  [
    "the Spec's example: 266 − (169 − 152) = 249",
    { timestamp: '2015-12-12T19:11:01.152Z', sentAt: '2015-12-12T19:11:01.169Z' },
    undefined,
    {
      originalTimestamp: '2015-12-12T19:11:01.152Z',
      sentAt: '2015-12-12T19:11:01.169Z',
      timestamp: '2015-12-12T19:11:01.249Z',
    },
  ],
  [
    'device clock 1 h fast: the hour comes off',
    { timestamp: '2015-12-12T20:11:00.000Z', sentAt: '2015-12-12T20:11:01.000Z' },
    undefined,
    {
      originalTimestamp: '2015-12-12T20:11:00.000Z',
      sentAt: '2015-12-12T20:11:01.000Z',
      timestamp: '2015-12-12T19:11:00.266Z',
    },
  ],
  [
    'device clock 10 min slow: the minutes go on',
    { timestamp: '2015-12-12T19:01:00.000Z', sentAt: '2015-12-12T19:01:01.000Z' },
    undefined,
    {
      originalTimestamp: '2015-12-12T19:01:00.000Z',
      sentAt: '2015-12-12T19:01:01.000Z',
      timestamp: '2015-12-12T19:11:00.266Z',
    },
  ],
  [
    "a batch's sentAt is used when the message has none",
    { timestamp: '2015-12-12T19:10:00.000Z' },
    '2015-12-12T19:11:01.000Z',
    {
      originalTimestamp: '2015-12-12T19:10:00.000Z',
      sentAt: '2015-12-12T19:11:01.000Z',
      timestamp: '2015-12-12T19:10:00.266Z',
    },
  ],
  [
    "the request's sentAt wins over a stale one inside the message",
    { timestamp: '2015-12-12T19:10:00.000Z', sentAt: '2014-01-01T00:00:00.000Z' },
    '2015-12-12T19:11:01.000Z',
    {
      originalTimestamp: '2015-12-12T19:10:00.000Z',
      sentAt: '2015-12-12T19:11:01.000Z',
      timestamp: '2015-12-12T19:10:00.266Z',
    },
  ],
  [
    'historical import over the HTTP API (timestamp, no sentAt): kept as sent',
    { timestamp: '2012-12-02T00:30:08.276Z' },
    undefined,
    { originalTimestamp: '2012-12-02T00:30:08.276Z', timestamp: '2012-12-02T00:30:08.276Z' },
  ],
  [
    'historical import through a server library (sentAt now): shifted only by the skew',
    { timestamp: '2012-12-02T00:30:08.276Z', sentAt: '2015-12-12T19:11:01.266Z' },
    undefined,
    {
      originalTimestamp: '2012-12-02T00:30:08.276Z',
      sentAt: '2015-12-12T19:11:01.266Z',
      timestamp: '2012-12-02T00:30:08.276Z',
    },
  ],
  ['no client time at all: receivedAt', {}, undefined, { timestamp: RECEIVED }],
  [
    'sentAt without a timestamp: receivedAt',
    { sentAt: '2015-12-12T19:11:01.000Z' },
    undefined,
    { sentAt: '2015-12-12T19:11:01.000Z', timestamp: RECEIVED },
  ],
  [
    'unparseable timestamp: treated as absent',
    { timestamp: 'yesterday', sentAt: '2015-12-12T19:11:01.000Z' },
    undefined,
    { sentAt: '2015-12-12T19:11:01.000Z', timestamp: RECEIVED },
  ],
  [
    'unparseable sentAt: no correction',
    { timestamp: '2015-12-12T19:10:00.000Z', sentAt: 'Sat Dec 12 2015' },
    undefined,
    { originalTimestamp: '2015-12-12T19:10:00.000Z', timestamp: '2015-12-12T19:10:00.000Z' },
  ],
  [
    'impossible date (Feb 30): treated as absent',
    { timestamp: '2015-02-30T00:00:00Z' },
    undefined,
    { timestamp: RECEIVED },
  ],
  [
    'originalTimestamp is the fallback when timestamp is missing',
    { originalTimestamp: '2015-12-12T19:11:01.152Z', sentAt: '2015-12-12T19:11:01.169Z' },
    undefined,
    {
      originalTimestamp: '2015-12-12T19:11:01.152Z',
      sentAt: '2015-12-12T19:11:01.169Z',
      timestamp: '2015-12-12T19:11:01.249Z',
    },
  ],
  [
    "the client's timestamp beats a stale originalTimestamp",
    { timestamp: '2015-12-12T19:11:01.152Z', originalTimestamp: '2001-01-01T00:00:00.000Z' },
    undefined,
    { originalTimestamp: '2015-12-12T19:11:01.152Z', timestamp: '2015-12-12T19:11:01.152Z' },
  ],
  [
    'offsets, microseconds and a missing zone are normalised to UTC milliseconds',
    { timestamp: '2015-12-12T21:11:01.152999+02:00', sentAt: '2015-12-12T19:11:01.169' },
    undefined,
    {
      originalTimestamp: '2015-12-12T19:11:01.152Z',
      sentAt: '2015-12-12T19:11:01.169Z',
      timestamp: '2015-12-12T19:11:01.249Z',
    },
  ],
  [
    'a spoofed future timestamp is not clamped',
    { timestamp: '2030-01-01T00:00:00.000Z', sentAt: '2015-12-12T19:11:01.266Z' },
    undefined,
    {
      originalTimestamp: '2030-01-01T00:00:00.000Z',
      sentAt: '2015-12-12T19:11:01.266Z',
      timestamp: '2030-01-01T00:00:00.000Z',
    },
  ],
]

for (const [name, fields, requestSentAt, expected] of timeCases) {
  test(`times: ${name}`, () => {
    const stored = enrich(fields, requestSentAt === undefined ? {} : { sentAt: requestSentAt })
    assert.equal(stored.receivedAt, RECEIVED)
    assert.equal(stored.timestamp, expected.timestamp)
    assert.equal(stored.originalTimestamp, expected.originalTimestamp)
    assert.equal(stored.sentAt, expected.sentAt)
    assert.equal('originalTimestamp' in stored, expected.originalTimestamp !== undefined)
    assert.equal('sentAt' in stored, expected.sentAt !== undefined)
  })
}

test('receivedAt from the client is replaced by the server clock', () => {
  assert.equal(enrich({ receivedAt: '1999-01-01T00:00:00.000Z' }).receivedAt, RECEIVED)
})

test('messageId: kept when sent, assigned when missing or empty', () => {
  let calls = 0
  const newMessageId = () => `gen-${++calls}`
  assert.equal(enrich({ messageId: 'ajs-next-1-abc' }, { newMessageId }).messageId, 'ajs-next-1-abc')
  assert.equal(calls, 0)
  assert.equal(enrich({}, { newMessageId }).messageId, 'gen-1')
  assert.equal(enrich({ messageId: '' }, { newMessageId }).messageId, 'gen-2')
})

// [name, context, ctx, expected context.ip (undefined: no ip)]
const ipCases: [string, JsonObject | undefined, Partial<EnrichmentContext>, string | undefined][] = [
  [
    'analytics.js event gets the request ip',
    { library: { name: 'analytics.js' } },
    { clientIp: '8.8.8.8' },
    '8.8.8.8',
  ],
  [
    'analytics-swift event gets it too',
    { library: { name: 'analytics-swift' } },
    { clientIp: '8.8.8.8' },
    '8.8.8.8',
  ],
  [
    'server library event does not',
    { library: { name: 'analytics-node' } },
    { clientIp: '10.0.0.5' },
    undefined,
  ],
  ['no context and no hint: not collected', undefined, { clientIp: '8.8.8.8' }, undefined],
  ['HTTP API with context.direct: collected', { direct: true }, { clientIp: '8.8.8.8' }, '8.8.8.8'],
  [
    'client-side source: collected without a library',
    undefined,
    { clientIp: '8.8.8.8', clientSide: true },
    '8.8.8.8',
  ],
  [
    'server-side source: a client library name does not count',
    { library: { name: 'analytics.js' } },
    { clientIp: '8.8.8.8', clientSide: false },
    undefined,
  ],
  [
    'server-side source with context.direct: collected',
    { direct: true },
    { clientIp: '8.8.8.8', clientSide: false },
    '8.8.8.8',
  ],
  [
    'the message keeps its own ip',
    { library: { name: 'analytics.js' }, ip: '108.0.78.21' },
    { clientIp: '8.8.8.8' },
    '108.0.78.21',
  ],
  [
    'an empty ip is replaced',
    { library: { name: 'analytics.js' }, ip: '' },
    { clientIp: '8.8.8.8' },
    '8.8.8.8',
  ],
  ['IPv4-mapped IPv6 is unwrapped', { direct: true }, { clientIp: '::ffff:203.0.113.9' }, '203.0.113.9'],
  ['IPv6 is kept', { direct: true }, { clientIp: '2001:db8::1' }, '2001:db8::1'],
  ['no client ip: nothing added', { direct: true }, {}, undefined],
]

for (const [name, context, ctx, expected] of ipCases) {
  test(`context.ip: ${name}`, () => {
    const stored = enrich(context === undefined ? {} : { context }, ctx)
    assert.equal(stored.context?.ip, expected)
  })
}

test('context.library and the rest of the message are kept; the input is not modified', () => {
  const message = {
    type: 'page',
    anonymousId: 'a1',
    name: 'Home',
    properties: { path: '/' },
    context: { library: { name: 'analytics.js', version: 'npm:next-1.70.0' }, page: { path: '/' } },
    integrations: { All: true },
    channel: 'browser',
    _metadata: { bundled: [] },
    timestamp: '2015-12-12T19:11:01.152Z',
    sentAt: '2015-12-12T19:11:01.169Z',
  } as SegmentMessage
  const snapshot = structuredClone(message)
  const stored = enrichMessage(message, {
    receivedAt: new Date(RECEIVED),
    clientIp: '8.8.8.8',
    newMessageId: () => 'm1',
  })
  assert.deepEqual(stored, {
    type: 'page',
    anonymousId: 'a1',
    name: 'Home',
    properties: { path: '/' },
    context: {
      library: { name: 'analytics.js', version: 'npm:next-1.70.0' },
      page: { path: '/' },
      ip: '8.8.8.8',
    },
    integrations: { All: true },
    channel: 'browser',
    _metadata: { bundled: [] },
    messageId: 'm1',
    originalTimestamp: '2015-12-12T19:11:01.152Z',
    sentAt: '2015-12-12T19:11:01.169Z',
    receivedAt: RECEIVED,
    timestamp: '2015-12-12T19:11:01.249Z',
  })
  assert.deepEqual(message, snapshot)
  assert.notEqual(stored.context, message.context)
})

test('a literal "__proto__" field stays a field of the stored message', () => {
  const message = JSON.parse('{"type":"track","userId":"u","event":"E","__proto__":{"x":1}}')
  const stored = enrichMessage(message, {
    receivedAt: new Date('2026-01-01T00:00:00.000Z'),
    newMessageId: () => 'id',
  })
  assert.equal(Object.getPrototypeOf(stored), Object.prototype)
  assert.match(JSON.stringify(stored), /"__proto__":\{"x":1\}/)
})
