import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MAX_PROPERTIES_PER_EVENT, type MessageType } from './messages.ts'
import { MESSAGE_REJECT_REASONS, REJECT_REASONS, type MessageRejectReason } from './reject-reasons.ts'
import { validateMessage } from './validation.ts'

const anon = { anonymousId: '23adfd82-aa0f-45a7-a756-24f2a7a4c895' }
const consent = (extra: Record<string, unknown>) => ({
  ...anon,
  type: 'track',
  event: 'Segment Consent Preference Updated',
  ...extra,
})

// [name, input, expectedType, reason, field]
const rejected: [string, unknown, MessageType | undefined, MessageRejectReason, string][] = [
  ['null message', null, undefined, 'message_not_object', ''],
  ['array message', [{ type: 'track' }], undefined, 'message_not_object', ''],
  ['string message', 'track', 'track', 'message_not_object', ''],
  ['number message', 42, undefined, 'message_not_object', ''],
  ['no type in a batch item', { ...anon, event: 'X' }, undefined, 'type_not_defined', 'type'],
  ['null type', { ...anon, type: null, event: 'X' }, undefined, 'type_not_defined', 'type'],
  ['empty type', { ...anon, type: '', event: 'X' }, undefined, 'type_not_defined', 'type'],
  ['unknown type', { ...anon, type: 'pageview' }, undefined, 'type_not_valid', 'type'],
  ['type in capitals', { ...anon, type: 'Track', event: 'X' }, undefined, 'type_not_valid', 'type'],
  ['numeric type', { ...anon, type: 1 }, undefined, 'type_not_valid', 'type'],
  ['batch type inside a batch', { ...anon, type: 'batch' }, undefined, 'type_not_valid', 'type'],
  ['context is an array', { ...anon, event: 'X', context: [] }, 'track', 'context_not_object', 'context'],
  ['context is a string', { ...anon, event: 'X', context: 'web' }, 'track', 'context_not_object', 'context'],
  [
    'integrations is true',
    { ...anon, event: 'X', integrations: true },
    'track',
    'integrations_not_object',
    'integrations',
  ],
  ['no ids', { event: 'X' }, 'track', 'no_user_anon_id', 'userId'],
  ['both ids null', { event: 'X', userId: null, anonymousId: null }, 'track', 'no_user_anon_id', 'userId'],
  ['numeric userId', { userId: 123, event: 'X' }, 'track', 'id_not_string', 'userId'],
  ['empty userId', { userId: '', event: 'X' }, 'track', 'id_not_string', 'userId'],
  [
    'empty userId beside an anonymousId',
    { ...anon, userId: '', event: 'X' },
    'track',
    'id_not_string',
    'userId',
  ],
  ['object anonymousId', { anonymousId: { id: 1 }, event: 'X' }, 'track', 'id_not_string', 'anonymousId'],
  [
    'boolean anonymousId',
    { userId: 'u1', anonymousId: true, event: 'X' },
    'track',
    'id_not_string',
    'anonymousId',
  ],
  ['numeric messageId', { ...anon, event: 'X', messageId: 7 }, 'track', 'message_id_not_string', 'messageId'],
  [
    '101-character messageId',
    { ...anon, event: 'X', messageId: 'm'.repeat(101) },
    'track',
    'message_id_too_long',
    'messageId',
  ],
  ['track without event', { ...anon }, 'track', 'event_not_defined', 'event'],
  ['track with null event', { ...anon, event: null }, 'track', 'event_not_defined', 'event'],
  ['track with empty event', { ...anon, event: '' }, 'track', 'event_not_defined', 'event'],
  ['numeric event', { ...anon, event: 5 }, 'track', 'event_not_string', 'event'],
  ['array event', { ...anon, event: ['Signed Up'] }, 'track', 'event_not_string', 'event'],
  [
    'array properties',
    { ...anon, event: 'X', properties: [1, 2] },
    'track',
    'properties_not_object',
    'properties',
  ],
  [
    'string properties',
    { ...anon, event: 'X', properties: 'a=1' },
    'track',
    'properties_not_object',
    'properties',
  ],
  ['page with array properties', { ...anon, properties: [] }, 'page', 'properties_not_object', 'properties'],
  [
    'screen with numeric properties',
    { ...anon, properties: 1 },
    'screen',
    'properties_not_object',
    'properties',
  ],
  ['identify with array traits', { ...anon, traits: ['vip'] }, 'identify', 'traits_not_object', 'traits'],
  [
    'group with string traits',
    { ...anon, groupId: 'g', traits: 'x' },
    'group',
    'traits_not_object',
    'traits',
  ],
  ['page with numeric name', { ...anon, name: 3 }, 'page', 'name_not_string', 'name'],
  ['page with empty name', { ...anon, name: '' }, 'page', 'name_not_string', 'name'],
  ['screen with object name', { ...anon, name: { title: 'Home' } }, 'screen', 'name_not_string', 'name'],
  [
    'page with empty category',
    { ...anon, name: 'Home', category: '' },
    'page',
    'category_not_string',
    'category',
  ],
  ['screen with numeric category', { ...anon, category: 9 }, 'screen', 'category_not_string', 'category'],
  ['group without groupId', { ...anon }, 'group', 'group_id_not_defined', 'groupId'],
  ['group with empty groupId', { ...anon, groupId: '' }, 'group', 'group_id_not_defined', 'groupId'],
  ['group with numeric groupId', { ...anon, groupId: 42 }, 'group', 'group_id_not_string', 'groupId'],
  ['alias without previousId', { userId: 'u1' }, 'alias', 'previous_id_not_defined', 'previousId'],
  [
    'alias with numeric previousId',
    { userId: 'u1', previousId: 9 },
    'alias',
    'previous_id_not_string',
    'previousId',
  ],
  [
    'numeric advertisingId',
    { ...anon, event: 'X', context: { device: { advertisingId: 1234 } } },
    'track',
    'device_advertisingid_should_be_string',
    'context.device.advertisingId',
  ],
  [
    'consent event without preferences',
    consent({ context: { consent: {} } }),
    undefined,
    'consent_categorypreferences_should_exist',
    'context.consent.categoryPreferences',
  ],
  [
    'consent event without context',
    consent({}),
    undefined,
    'consent_categorypreferences_should_exist',
    'context.consent.categoryPreferences',
  ],
  [
    'consent preferences as an array',
    consent({ context: { consent: { categoryPreferences: [true] } } }),
    undefined,
    'consent_categorypreferences_fields_should_be_object',
    'context.consent.categoryPreferences',
  ],
  [
    'consent preference as a string',
    consent({ context: { consent: { categoryPreferences: { Advertising: true, Analytics: 'false' } } } }),
    undefined,
    'consent_categorypreferences_fields_should_be_bool',
    'context.consent.categoryPreferences.Analytics',
  ],
  [
    'consent version as a string',
    consent({ context: { consent: { version: '2', categoryPreferences: { Advertising: true } } } }),
    undefined,
    'consent_version_should_be_number',
    'context.consent.version',
  ],
]

for (const [name, input, expectedType, reason, field] of rejected) {
  test(`rejects: ${name}`, () => {
    const result = validateMessage(input, expectedType)
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.equal(result.reason, reason)
    assert.equal(result.field, field)
    assert.ok(result.detail.length > 0)
  })
}

// [name, input, expectedType]
const accepted: [string, unknown, MessageType | undefined][] = [
  [
    "the Spec's canonical track",
    {
      anonymousId: '23adfd82-aa0f-45a7-a756-24f2a7a4c895',
      context: { library: { name: 'analytics.js', version: '2.11.1' }, ip: '108.0.78.21' },
      event: 'Course Clicked',
      integrations: {},
      messageId: 'ajs-f8ca1e4de5024d9430b3928bd8ac6b96',
      properties: { title: 'Intro to Analytics' },
      receivedAt: '2015-12-12T19:11:01.266Z',
      sentAt: '2015-12-12T19:11:01.169Z',
      timestamp: '2015-12-12T19:11:01.249Z',
      type: 'track',
      userId: 'AiUGstSDIg',
      originalTimestamp: '2015-12-12T19:11:01.152Z',
    },
    undefined,
  ],
  ['userId only', { userId: '019mr8mf4r', traits: { email: 'pgibbons@example.com' } }, 'identify'],
  ['anonymous identify without traits', { ...anon }, 'identify'],
  ['userId null beside an anonymousId (analytics.js)', { ...anon, userId: null, event: 'X' }, 'track'],
  ['100-character messageId', { ...anon, event: 'X', messageId: 'm'.repeat(100) }, 'track'],
  [
    '100 emoji messageId (characters, not UTF-16 units)',
    { ...anon, event: 'X', messageId: '🚀'.repeat(100) },
    'track',
  ],
  ['page without name', { ...anon, properties: { path: '/' } }, 'page'],
  ['page with category and name', { ...anon, category: 'Retail Page', name: 'Home' }, 'page'],
  ['screen with name', { ...anon, name: 'Home' }, 'screen'],
  ['group with traits', { userId: 'u1', groupId: '8e9df332ac', traits: { employees: '420' } }, 'group'],
  ['alias', { previousId: '39239-239239-239239-23923', userId: '019mr8mf4r' }, 'alias'],
  ['version as a string', { ...anon, event: 'X', version: '1.1' }, 'track'],
  ['null advertisingId', { ...anon, event: 'X', context: { device: { advertisingId: null } } }, 'track'],
  [
    'empty advertisingId string',
    { ...anon, event: 'X', context: { device: { advertisingId: '' } } },
    'track',
  ],
  ['device not an object is left alone', { ...anon, event: 'X', context: { device: 'phone' } }, 'track'],
  [
    'consent event with boolean preferences and a numeric version',
    consent({
      context: { consent: { version: 2, categoryPreferences: { Advertising: true, Analytics: false } } },
    }),
    undefined,
  ],
  [
    'consent shapes are not checked on other events',
    { ...anon, event: 'X', context: { consent: 1 } },
    'track',
  ],
  ['traits on a track are not checked', { ...anon, event: 'X', traits: 'junk' }, 'track'],
  [
    'nested junk inside properties is kept',
    { ...anon, event: 'X', properties: { a: [null, { b: [] }] } },
    'track',
  ],
]

for (const [name, input, expectedType] of accepted) {
  test(`accepts: ${name}`, () => {
    const result = validateMessage(input, expectedType)
    assert.equal(result.ok, true, result.ok ? '' : `${result.reason}: ${result.detail}`)
  })
}

test('the route names the type: a missing or different body type is replaced', () => {
  const missing = validateMessage({ ...anon, event: 'X' }, 'track')
  const different = validateMessage({ ...anon, type: 'identify', event: 'X' }, 'track')
  const junk = validateMessage({ ...anon, type: 17, event: 'X' }, 'track')
  for (const result of [missing, different, junk]) {
    assert.ok(result.ok)
    assert.equal(result.message.type, 'track')
  }
  // The route's type decides which rules apply.
  const identifyOnTrackRoute = validateMessage({ ...anon, type: 'identify', traits: {} }, 'track')
  assert.equal(identifyOnTrackRoute.ok, false)
  assert.equal(!identifyOnTrackRoute.ok && identifyOnTrackRoute.reason, 'event_not_defined')
})

test('normalises: nulls, empty messageId, non-string dates and writeKey are left out; unknown fields pass', () => {
  const input = {
    type: 'track',
    ...anon,
    userId: null,
    messageId: '',
    event: 'Signed Up',
    properties: null,
    context: null,
    timestamp: 1449947461249,
    sentAt: '2015-12-12T19:11:01.169Z',
    writeKey: 'secret',
    channel: 'browser',
    _metadata: { bundled: ['Segment.io'] },
    custom: null,
  }
  const snapshot = structuredClone(input)
  const result = validateMessage(input)
  assert.ok(result.ok)
  assert.deepEqual(result.message, {
    type: 'track',
    ...anon,
    event: 'Signed Up',
    sentAt: '2015-12-12T19:11:01.169Z',
    channel: 'browser',
    _metadata: { bundled: ['Segment.io'] },
    custom: null,
  })
  assert.equal(result.droppedProperties, 0)
  assert.deepEqual(input, snapshot, 'the input is not modified')
})

test('the first 10,000 properties are kept and the rest dropped', () => {
  const properties = Object.fromEntries(
    Array.from({ length: MAX_PROPERTIES_PER_EVENT + 5 }, (_, i) => [`p${i}`, i]),
  )
  const result = validateMessage({ ...anon, event: 'Big', properties }, 'track')
  assert.ok(result.ok)
  assert.equal(result.droppedProperties, 5)
  const kept = Object.keys((result.message as { properties: object }).properties)
  assert.equal(kept.length, MAX_PROPERTIES_PER_EVENT)
  assert.equal(kept.at(-1), `p${MAX_PROPERTIES_PER_EVENT - 1}`)
  assert.equal(Object.keys(properties).length, MAX_PROPERTIES_PER_EVENT + 5, 'the input is not modified')

  const traits = Object.fromEntries(
    Array.from({ length: MAX_PROPERTIES_PER_EVENT + 1 }, (_, i) => [`t${i}`, i]),
  )
  const identify = validateMessage({ ...anon, traits }, 'identify')
  assert.ok(identify.ok)
  assert.equal(identify.droppedProperties, 1)

  const exactly = Object.fromEntries(Array.from({ length: MAX_PROPERTIES_PER_EVENT }, (_, i) => [`p${i}`, i]))
  const atLimit = validateMessage({ ...anon, event: 'Big', properties: exactly }, 'track')
  assert.ok(atLimit.ok)
  assert.equal(atLimit.droppedProperties, 0)
})

test('a __proto__ key in JSON stays data', () => {
  const input = JSON.parse(
    '{"type":"track","userId":"u","event":"X","properties":{"__proto__":{"admin":true}}}',
  )
  const result = validateMessage(input)
  assert.ok(result.ok)
  const properties = (result.message as { properties: Record<string, unknown> }).properties
  assert.deepEqual(Object.keys(properties), ['__proto__'])
  assert.equal(({} as Record<string, unknown>).admin, undefined)
})

test('every reason code is listed once, in snake_case', () => {
  assert.equal(new Set(REJECT_REASONS).size, REJECT_REASONS.length)
  for (const reason of REJECT_REASONS) assert.match(reason, /^[a-z]+(_[a-z]+)*$/)
  const used = new Set(rejected.map(([, , , reason]) => reason))
  for (const reason of MESSAGE_REJECT_REASONS) assert.ok(used.has(reason), `no test rejects with ${reason}`)
})
