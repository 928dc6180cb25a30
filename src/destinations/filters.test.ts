import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  MAX_FILTERS_PER_DESTINATION,
  applyCompiledFilters,
  applyFilters,
  checkFilterCount,
  compileFilters,
  previewFilter,
  sampleFraction,
  validateFilter,
  type FilterAction,
  type FilterOutcome,
  type FilterRule,
} from './filters.ts'

const base = { title: 'A filter', if: 'all', actions: [{ type: 'DROP' }], enabled: true }

const track = (fields: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  messageId: 'm1',
  userId: 'u1',
  properties: { email: 'ana@example.com', plan: 'pro', total: 10 },
  context: { ip: '1.2.3.4', traits: { email: 'ana@example.com', name: 'Ana' } },
  ...fields,
})

const rule = (
  id: string,
  condition: string,
  actions: FilterAction[] | unknown[],
  enabled = true,
): FilterRule => ({
  id,
  if: condition,
  actions,
  enabled,
})

const noRandom = () => assert.fail('random() must not be called')

function kept(outcome: FilterOutcome): Record<string, unknown> {
  if (outcome.drop) assert.fail(`dropped by ${outcome.filterId}: ${outcome.detail}`)
  return outcome.message
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.values(value).forEach(deepFreeze)
    Object.freeze(value)
  }
  return value
}

// Destinations digest §5.4: the Public API examples.
test('validateFilter accepts the Public API examples and normalizes action types', () => {
  const onlyWithUserId = {
    sourceId: 'src',
    destinationId: 'dst',
    title: "Don't send event if userId is null",
    description: 'Drop event if there is no userId on the request',
    if: 'length( userId ) < 1',
    actions: [{ type: 'DROP' }],
    enabled: true,
  }
  assert.deepEqual(validateFilter(onlyWithUserId), {
    ok: true,
    filter: {
      title: onlyWithUserId.title,
      description: onlyWithUserId.description,
      if: 'length( userId ) < 1',
      actions: [{ type: 'DROP' }],
      enabled: true,
    },
  })
  const noUserId = {
    title: "Don't send userId at all",
    if: 'all',
    actions: [{ type: 'DROP_PROPERTIES', fields: { '': ['userId'] } }],
    enabled: true,
  }
  assert.ok(validateFilter(noUserId).ok)
  const mixed = validateFilter({
    ...base,
    description: null, // the update input allows null
    actions: [
      { type: 'sample', percent: 0.1, path: 'userId' }, // the preview docs spell types in lowercase
      { type: 'allow_properties', fields: { properties: ['plan'], 'context.traits': [] } },
      { type: 'Drop_Properties', fields: { context: ['ip'] } },
    ],
  })
  assert.ok(mixed.ok)
  assert.deepEqual(mixed.filter.actions, [
    { type: 'SAMPLE', percent: 0.1, path: 'userId' },
    { type: 'ALLOW_PROPERTIES', fields: { properties: ['plan'], 'context.traits': [] } },
    { type: 'DROP_PROPERTIES', fields: { context: ['ip'] } },
  ])
  assert.equal('description' in mixed.filter, false)
  assert.ok(validateFilter({ ...base, actions: [{ type: 'SAMPLE', percent: 0 }] }).ok)
  assert.ok(validateFilter({ ...base, actions: [{ type: 'SAMPLE', percent: 1 }] }).ok)
  assert.ok(validateFilter({ ...base, if: ' all ' }).ok)
  assert.ok(validateFilter({ ...base, title: 'x'.repeat(64) }).ok)
})

test('validateFilter: every error names its field and the rule', () => {
  const cases: [string, unknown, string, string][] = [
    ['not an object', 'DROP', '', 'must be a filter object'],
    ['no title', { ...base, title: undefined }, 'title', 'is required'],
    ['blank title', { ...base, title: '  ' }, 'title', 'is required'],
    ['title over 64 characters', { ...base, title: 'x'.repeat(65) }, 'title', 'at most 64 characters'],
    ['description not a string', { ...base, description: 5 }, 'description', 'must be a string'],
    ['enabled missing', { ...base, enabled: undefined }, 'enabled', 'true or false'],
    ['enabled as a string', { ...base, enabled: 'true' }, 'enabled', 'true or false'],
    ['if missing', { ...base, if: undefined }, 'if', 'an FQL condition, or "all"'],
    ['if empty', { ...base, if: ' ' }, 'if', 'must not be empty'],
    ['if over 5 KB', { ...base, if: `a = '${'x'.repeat(5 * 1024)}'` }, 'if', 'limited to 5 KB (5120)'],
    [
      'if invalid FQL',
      { ...base, if: 'userId = ' },
      'if',
      "is not valid FQL: expected a value after '=' at position 9",
    ],
    ['if with the docs invalid example', { ...base, if: 'userId = oops"' }, 'if', 'unterminated string'],
    ['actions missing', { ...base, actions: undefined }, 'actions', 'a list of actions'],
    ['actions not a list', { ...base, actions: { type: 'DROP' } }, 'actions', 'a list of actions'],
    ['actions empty', { ...base, actions: [] }, 'actions', 'at least one action'],
    ['action not an object', { ...base, actions: ['DROP'] }, 'actions.0', 'an object with a type'],
    [
      'unknown type',
      { ...base, actions: [{ type: 'HASH' }] },
      'actions.0.type',
      'must be one of DROP, DROP_PROPERTIES',
    ],
    [
      'legacy type name',
      { ...base, actions: [{ type: 'drop_event' }] },
      'actions.0.type',
      'found "drop_event"',
    ],
    ['no type', { ...base, actions: [{}] }, 'actions.0.type', 'found nothing'],
    [
      'DROP with fields',
      { ...base, actions: [{ type: 'DROP', fields: { '': ['a'] } }] },
      'actions.0.fields',
      'not used by DROP',
    ],
    [
      'DROP with percent',
      { ...base, actions: [{ type: 'DROP', percent: 0.5 }] },
      'actions.0.percent',
      'not used by DROP',
    ],
    [
      'DROP_PROPERTIES without fields',
      { ...base, actions: [{ type: 'DROP_PROPERTIES' }] },
      'actions.0.fields',
      'is required',
    ],
    [
      'fields empty',
      { ...base, actions: [{ type: 'DROP_PROPERTIES', fields: {} }] },
      'actions.0.fields',
      'is required',
    ],
    [
      'fields a list',
      { ...base, actions: [{ type: 'ALLOW_PROPERTIES', fields: ['a'] }] },
      'actions.0.fields',
      'is required',
    ],
    [
      'fields path with an empty key',
      { ...base, actions: [{ type: 'DROP_PROPERTIES', fields: { 'context..traits': ['a'] } }] },
      'actions.0.fields.context..traits',
      'dotted path of non-empty keys',
    ],
    [
      'fields names not a list',
      { ...base, actions: [{ type: 'DROP_PROPERTIES', fields: { properties: 'email' } }] },
      'actions.0.fields.properties',
      'a list of non-empty key names',
    ],
    [
      'fields names with an empty name',
      { ...base, actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email', ''] } }] },
      'actions.0.fields.properties',
      'a list of non-empty key names',
    ],
    [
      'DROP_PROPERTIES naming nothing',
      { ...base, actions: [{ type: 'DROP_PROPERTIES', fields: { properties: [] } }] },
      'actions.0.fields.properties',
      'at least one key',
    ],
    [
      'SAMPLE without percent',
      { ...base, actions: [{ type: 'SAMPLE' }] },
      'actions.0.percent',
      'from 0 to 1',
    ],
    [
      'SAMPLE percent over 1',
      { ...base, actions: [{ type: 'SAMPLE', percent: 50 }] },
      'actions.0.percent',
      'found 50',
    ],
    [
      'SAMPLE percent below 0',
      { ...base, actions: [{ type: 'SAMPLE', percent: -0.1 }] },
      'actions.0.percent',
      'from 0 to 1',
    ],
    [
      'SAMPLE percent as a string',
      { ...base, actions: [{ type: 'SAMPLE', percent: '0.5' }] },
      'actions.0.percent',
      'found "0.5"',
    ],
    [
      'SAMPLE empty path',
      { ...base, actions: [{ type: 'SAMPLE', percent: 0.5, path: '' }] },
      'actions.0.path',
      'dotted field path',
    ],
    [
      'SAMPLE path not a string',
      { ...base, actions: [{ type: 'SAMPLE', percent: 0.5, path: 1 }] },
      'actions.0.path',
      'dotted field path',
    ],
    [
      'SAMPLE with fields',
      { ...base, actions: [{ type: 'SAMPLE', percent: 0.5, fields: { '': ['a'] } }] },
      'actions.0.fields',
      'not used by SAMPLE',
    ],
    [
      'second action bad',
      { ...base, actions: [{ type: 'DROP' }, { type: 'SAMPLE', percent: 2 }] },
      'actions.1.percent',
      'from 0 to 1',
    ],
  ]
  for (const [name, input, field, message] of cases) {
    const result = validateFilter(input)
    assert.equal(result.ok, false, name)
    if (result.ok) continue
    const error = result.errors.find((e) => e.field === field)
    assert.ok(error, `${name}: no error on ${field} in ${JSON.stringify(result.errors)}`)
    assert.ok(error.message.includes(message), `${name}: ${error.message}`)
  }
})

test('validateFilter reports every error at once, with the FQL position', () => {
  const result = validateFilter({ title: '', if: 'a = = 1', actions: [{ type: 'NOPE' }], enabled: 1 })
  assert.equal(result.ok, false)
  if (result.ok) return
  assert.deepEqual(
    result.errors.map((e) => e.field),
    ['title', 'enabled', 'if', 'actions.0.type'],
  )
  assert.equal(result.errors.find((e) => e.field === 'if')?.position, 4)
})

test('checkFilterCount: at most 10 filters per destination (Destinations digest §5.3)', () => {
  assert.equal(MAX_FILTERS_PER_DESTINATION, 10)
  assert.equal(checkFilterCount(0), undefined)
  assert.equal(checkFilterCount(10), undefined)
  assert.deepEqual(checkFilterCount(11), {
    field: 'filters',
    message: 'a destination holds at most 10 filters; this would make 11',
  })
})

// Destinations digest §5.2: what filters do to messages.
test('DROP: matching messages are dropped, and the result names the filter', () => {
  const filters = [rule('f1', "event = 'Order Completed'", [{ type: 'DROP' }])]
  assert.deepEqual(applyFilters(track(), filters, noRandom), {
    drop: true,
    filterId: 'f1',
    reason: 'dropped',
    detail: 'dropped: the message matches the condition',
  })
  const other = track({ event: 'Product Viewed' })
  assert.equal(kept(applyFilters(other, filters, noRandom)), other, 'an untouched message is returned as is')
  assert.equal(kept(applyFilters(track(), [], noRandom)).event, 'Order Completed')
})

test('DROP: the examples of the destination-filters page', () => {
  const onlyWithUserId = [rule('f', 'length( userId ) < 1', [{ type: 'DROP' }])]
  assert.equal(applyFilters(track(), onlyWithUserId).drop, false)
  assert.equal(applyFilters(track({ userId: null }), onlyWithUserId).drop, true)
  assert.equal(applyFilters(track({ userId: '' }), onlyWithUserId).drop, true)
  assert.equal(applyFilters({ type: 'track', anonymousId: 'a' }, onlyWithUserId).drop, true)

  // "Only send User Signed Up and Demo Requested": an only-send rule is a drop of everything else.
  const onlySend = [
    rule('f', "!( event = 'User Signed Up' or event = 'Demo Requested' )", [{ type: 'DROP' }]),
  ]
  assert.equal(applyFilters(track({ event: 'User Signed Up' }), onlySend).drop, false)
  assert.equal(applyFilters(track({ event: 'Demo Requested' }), onlySend).drop, false)
  assert.equal(applyFilters(track(), onlySend).drop, true)

  // "Only send track calls", and dropping internal test users' Order Completed.
  const onlyTrack = [rule('f', "type != 'track'", [{ type: 'DROP' }])]
  assert.equal(applyFilters(track(), onlyTrack).drop, false)
  assert.equal(applyFilters({ type: 'identify', userId: 'u1' }, onlyTrack).drop, true)
  const internal = [
    rule('f', "event = 'Order Completed' and contains( properties.email, '@segment.com' )", [
      { type: 'DROP' },
    ]),
  ]
  assert.equal(applyFilters(track(), internal).drop, false)
  assert.equal(applyFilters(track({ properties: { email: 'x@segment.com' } }), internal).drop, true)
  assert.equal(applyFilters(track({ properties: { email: 'x@SEGMENT.com' } }), internal).drop, false) // case-sensitive
})

// Destinations digest §4.6: the classic → Actions cutover, written with Segment's `received_at`.
test('cutover: received_at reads the stored receivedAt, so exactly one destination gets each message', () => {
  const cutover = '2023-04-21T19:55:00.933Z'
  const classic = compileFilters([rule('classic', `(received_at >= '${cutover}')`, [{ type: 'DROP' }])])
  const actions = compileFilters([rule('actions', `(received_at < '${cutover}')`, [{ type: 'DROP' }])])
  const cases: [string, Record<string, unknown>, 'classic' | 'actions'][] = [
    ['well before', track({ receivedAt: '2023-04-20T08:00:00.000Z' }), 'classic'],
    ['1 ms before', track({ receivedAt: '2023-04-21T19:55:00.932Z' }), 'classic'],
    ['at the cutover', track({ receivedAt: cutover }), 'actions'],
    ['after', track({ receivedAt: '2023-04-22T00:00:00.000Z' }), 'actions'],
    // A message that carries the snake_case field itself is read as it is.
    [
      'own received_at',
      track({ received_at: '2023-04-22T00:00:00.000Z', receivedAt: '2023-01-01T00:00:00.000Z' }),
      'actions',
    ],
  ]
  for (const [name, message, receiver] of cases) {
    const toClassic = !applyCompiledFilters(message, classic, noRandom).drop
    const toActions = !applyCompiledFilters(message, actions, noRandom).drop
    assert.deepEqual(
      { toClassic, toActions },
      { toClassic: receiver === 'classic', toActions: receiver === 'actions' },
      name,
    )
  }
})

test('snake_case system fields read the camelCase ones only at the top level', () => {
  const message = track({
    sentAt: '2023-04-21T19:55:00.000Z',
    originalTimestamp: '2023-04-21T19:54:00.000Z',
    anonymousId: 'a1',
    properties: { userId: 'nested' },
  })
  const cases: [string, boolean][] = [
    ["user_id = 'u1'", true],
    ["message_id = 'm1'", true],
    ["anonymous_id = 'a1' and user_id != null", true],
    ['sent_at > original_timestamp', true],
    ['received_at = null', true], // the message has no receivedAt either
    ["properties.user_id = 'nested'", false], // nested names are never aliased
    ["!( user_id in ['u2', 'u3'] )", true],
    ['length( message_id ) = 2', true],
    ["userId = 'u1'", true],
  ]
  for (const [condition, dropped] of cases) {
    const outcome = applyFilters(message, [rule('f', condition, [{ type: 'DROP' }])], noRandom)
    assert.equal(outcome.drop, dropped, condition)
  }
})

test('several only-send filters that conflict send nothing (destination-filters FAQ)', () => {
  const filters = [
    rule('only-signups', "event != 'User Signed Up'", [{ type: 'DROP' }]),
    rule('only-demos', "event != 'Demo Requested'", [{ type: 'DROP' }]),
  ]
  for (const event of ['User Signed Up', 'Demo Requested', 'Order Completed']) {
    assert.equal(applyFilters(track({ event }), filters).drop, true, event)
  }
  const outcome = applyFilters(track({ event: 'Demo Requested' }), filters)
  assert.ok(outcome.drop && outcome.filterId === 'only-signups')
})

test('disabled filters do nothing, even broken ones', () => {
  const filters = [
    rule('off', 'all', [{ type: 'DROP' }], false),
    rule('broken-off', 'userId = ', [{ type: 'DROP' }], false),
  ]
  assert.equal(applyFilters(track(), filters).drop, false)
})

test('order of application: SAMPLE, then DROP, then DROP_PROPERTIES, then ALLOW_PROPERTIES', () => {
  // Both drop; the sample is applied first, so it is the one reported, whatever the filters' order.
  const dropThenSample = [
    rule('drop', 'all', [{ type: 'DROP' }]),
    rule('sample', 'all', [{ type: 'SAMPLE', percent: 0 }]),
  ]
  const outcome = applyFilters(track(), dropThenSample, noRandom)
  assert.ok(outcome.drop)
  assert.equal(outcome.filterId, 'sample')
  assert.equal(outcome.reason, 'sampled_out')

  // A drop wins over property rules listed before it.
  const stripThenDrop = [
    rule('strip', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }]),
    rule('drop', "type = 'track'", [{ type: 'DROP' }]),
  ]
  assert.deepEqual(applyFilters(track(), stripThenDrop, noRandom), {
    drop: true,
    filterId: 'drop',
    reason: 'dropped',
    detail: 'dropped: the message matches the condition',
  })

  // Allow-lists apply after block-lists, in either listing order: the result is the same.
  const allow = rule('allow', 'all', [
    { type: 'ALLOW_PROPERTIES', fields: { properties: ['email', 'plan'] } },
  ])
  const block = rule('block', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }])
  for (const filters of [
    [allow, block],
    [block, allow],
  ]) {
    assert.deepEqual(kept(applyFilters(track(), filters, noRandom)).properties, { plan: 'pro' })
  }
  // Two allow-lists on one object keep what both allow.
  const allow2 = rule('allow2', 'all', [
    { type: 'ALLOW_PROPERTIES', fields: { properties: ['plan', 'total'] } },
  ])
  assert.deepEqual(kept(applyFilters(track(), [allow, allow2])).properties, { plan: 'pro' })
})

test('conditions are evaluated on the message as it arrived, not after other filters changed it', () => {
  const filters = [
    rule('strip-plan', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['plan'] } }]),
    rule('pro-only-email', "properties.plan = 'pro'", [
      { type: 'ALLOW_PROPERTIES', fields: { properties: ['email'] } },
    ]),
  ]
  assert.deepEqual(kept(applyFilters(track(), filters)).properties, { email: 'ana@example.com' })
})

test('DROP_PROPERTIES: top level, nested objects, lists of objects', () => {
  const message = track({
    properties: {
      email: 'a@b.c',
      products: [
        { sku: 'A', price: 1, newElement: 'x' },
        { sku: 'B', newElement: 'y' },
        'not an object',
        null,
      ],
      nested: { deep: { secret: 1, keep: 2 } },
    },
  })
  const filters = [
    rule('f', 'all', [
      {
        type: 'DROP_PROPERTIES',
        fields: {
          '': ['userId'], // the Public API example: "" is the top level
          properties: ['email', 'missing'],
          'properties.products': ['newElement'], // the FAQ's <propertyType>.<arrayName>.<elementKey>
          'properties.nested.deep': ['secret'],
          'context.traits': ['email'],
          'context.ip.notAnObject': ['x'], // a path through a string: nothing to do
          'nowhere.at.all': ['x'],
        },
      },
    ]),
  ]
  const result = kept(applyFilters(message, filters))
  assert.equal('userId' in result, false)
  assert.deepEqual(result.properties, {
    products: [{ sku: 'A', price: 1 }, { sku: 'B' }, 'not an object', null],
    nested: { deep: { keep: 2 } },
  })
  assert.deepEqual(result.context, { ip: '1.2.3.4', traits: { name: 'Ana' } })
  assert.equal('nowhere' in result, false)
})

test('DROP_PROPERTIES: a whole list can be removed, but not one element of it', () => {
  const message = track({ properties: { products: [{ sku: 'A' }, { sku: 'B' }] } })
  const whole = [rule('f', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['products'] } }])]
  assert.deepEqual(kept(applyFilters(message, whole)).properties, {})
  // Lists on the way are not entered: a digit is a key, not an index.
  const one = [rule('f', 'all', [{ type: 'DROP_PROPERTIES', fields: { 'properties.products.0': ['sku'] } }])]
  assert.deepEqual(kept(applyFilters(message, one)).properties, message.properties)
})

test('ALLOW_PROPERTIES keeps only the listed keys of each named object', () => {
  const filters = [
    rule('f', 'all', [
      {
        type: 'ALLOW_PROPERTIES',
        fields: { properties: ['plan', 'absent'], 'context.traits': [], 'properties.items': ['sku'] },
      },
    ]),
  ]
  const message = track({ properties: { plan: 'pro', email: 'x', items: [{ sku: 1, price: 2 }] } })
  const result = kept(applyFilters(message, filters))
  // `items` is not in the allow-list of `properties`, so it is gone before its own rule matters.
  assert.deepEqual(result.properties, { plan: 'pro' })
  assert.deepEqual(result.context, { ip: '1.2.3.4', traits: {} })
  assert.equal(result.userId, 'u1', 'other objects are untouched')
})

test('property rules never mutate the input and share what they do not change', () => {
  const message = deepFreeze(track())
  const before = structuredClone(message)
  const filters = [
    rule('f', 'all', [
      { type: 'DROP_PROPERTIES', fields: { properties: ['email'], '': ['userId'] } },
      { type: 'ALLOW_PROPERTIES', fields: { 'context.traits': ['name'] } },
    ]),
  ]
  const result = kept(applyFilters(message, filters))
  assert.deepEqual(message, before)
  assert.notEqual(result, message)
  assert.notEqual(result.properties, message.properties)
  assert.deepEqual(result.properties, { plan: 'pro', total: 10 })
  assert.equal((result.context as { ip: string }).ip, '1.2.3.4')
  const unchanged = kept(
    applyFilters(message, [
      rule('f', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['nope'] } }]),
    ]),
  )
  assert.equal(unchanged, message, 'nothing removed: the same object')
})

test('keys named __proto__ are ordinary keys', () => {
  const message = JSON.parse('{"type":"track","properties":{"__proto__":{"x":1},"a":1}}') as Record<
    string,
    unknown
  >
  const dropped = kept(
    applyFilters(message, [
      rule('f', 'all', [{ type: 'DROP_PROPERTIES', fields: { properties: ['__proto__'] } }]),
    ]),
  )
  assert.deepEqual(Object.keys(dropped.properties as object), ['a'])
  const nested = kept(
    applyFilters(message, [
      rule('f', 'all', [{ type: 'DROP_PROPERTIES', fields: { 'properties.__proto__': ['x'] } }]),
    ]),
  )
  const properties = nested.properties as Record<string, unknown>
  assert.deepEqual(Object.keys(properties), ['__proto__', 'a'])
  assert.deepEqual(Object.getOwnPropertyDescriptor(properties, '__proto__')?.value, {})
  assert.equal(Object.getPrototypeOf(properties), Object.prototype)
})

test('fail closed: an enabled filter with invalid FQL drops every message; invalid actions drop matches', () => {
  const brokenCondition = [
    rule('bad-if', 'userId = oops"', [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }]),
  ]
  const outcome = applyFilters(track(), brokenCondition)
  assert.ok(outcome.drop)
  assert.equal(outcome.reason, 'invalid_filter')
  assert.equal(outcome.filterId, 'bad-if')
  assert.match(outcome.detail, /invalid condition \(unterminated string/)

  const brokenActions = [rule('bad-action', "type = 'identify'", [{ type: 'HASH_PROPERTIES' }])]
  assert.equal(applyFilters(track(), brokenActions).drop, false, 'does not match: nothing to decide')
  const identify = applyFilters({ type: 'identify', userId: 'u1' }, brokenActions)
  assert.ok(identify.drop && identify.reason === 'invalid_filter' && identify.filterId === 'bad-action')
  assert.match(identify.detail, /actions\.0\.type must be one of/)

  // A condition that is not a string at all (a corrupt row) fails closed too.
  const corrupt = applyFilters(track(), [
    { id: 'c', if: 5 as unknown as string, actions: [{ type: 'DROP' }], enabled: true },
  ])
  assert.ok(corrupt.drop && corrupt.reason === 'invalid_filter')
})

test('SAMPLE without path: an injected random number decides, per message', () => {
  const sample = (percent: number) => [rule('s', 'all', [{ type: 'SAMPLE', percent }])]
  const cases: [number, number, boolean][] = [
    [0.3, 0.29, true],
    [0.3, 0.3, false],
    [0.3, 0.99, false],
    [0.5, 0, true],
  ]
  for (const [percent, draw, expected] of cases) {
    assert.equal(
      applyFilters(track(), sample(percent), () => draw).drop,
      !expected,
      `${percent} with ${draw}`,
    )
  }
  // 0 and 1 need no random number.
  assert.equal(applyFilters(track(), sample(0), noRandom).drop, true)
  assert.equal(applyFilters(track(), sample(1), noRandom).drop, false)
  const out = applyFilters(track(), sample(0.25), () => 0.9)
  assert.ok(out.drop && out.reason === 'sampled_out' && out.detail.includes('25%'))
  // Only matching messages are sampled.
  const videoOnly = [rule('s', "event = 'Video Heartbeat'", [{ type: 'SAMPLE', percent: 0.1 }])]
  assert.equal(applyFilters(track(), videoOnly, noRandom).drop, false)
})

test('SAMPLE with path: deterministic by the value at the path', () => {
  const filters = compileFilters([rule('s', 'all', [{ type: 'SAMPLE', percent: 0.3, path: 'userId' }])])
  let sent = 0
  for (let i = 0; i < 10_000; i++) {
    const message = track({ userId: `user-${i}` })
    const first = applyCompiledFilters(message, filters, noRandom)
    const again = applyCompiledFilters(track({ userId: `user-${i}`, event: 'Other' }), filters, noRandom)
    assert.equal(first.drop, again.drop, 'the same user is always on the same side')
    if (!first.drop) sent++
  }
  assert.ok(sent > 2_800 && sent < 3_200, `about 30% sent, got ${sent}`)
  // A missing value hashes as null: every such message goes the same way.
  const missing = [track({ userId: undefined }), { type: 'page' }, track({ userId: null })]
  const sides = new Set(missing.map((message) => applyCompiledFilters(message, filters, noRandom).drop))
  assert.equal(sides.size, 1)
  // Nested paths.
  const byEmail = compileFilters([
    rule('s', 'all', [{ type: 'SAMPLE', percent: 0.5, path: 'context.traits.email' }]),
  ])
  const a = applyCompiledFilters(track(), byEmail, noRandom).drop
  assert.equal(applyCompiledFilters(track({ userId: 'other' }), byEmail, noRandom).drop, a)
})

test('sampleFraction: a stable place in [0, 1) for each JSON value', () => {
  const values: unknown[] = ['user-1', 'user-2', 1, '1', null, true, ['a'], { a: 1 }, '']
  const fractions = values.map(sampleFraction)
  for (const fraction of fractions) assert.ok(fraction >= 0 && fraction < 1, String(fraction))
  assert.deepEqual(values.map(sampleFraction), fractions)
  assert.notEqual(sampleFraction(1), sampleFraction('1'), 'typed: 1 and "1" hash differently')
  assert.equal(sampleFraction(undefined), sampleFraction(null))
  assert.equal(new Set(fractions).size, values.length)
})

test('several actions in one filter, and several filters of each kind', () => {
  const filters = [
    rule('a', 'all', [
      { type: 'DROP_PROPERTIES', fields: { properties: ['email'] } },
      { type: 'SAMPLE', percent: 0.5 },
    ]),
    rule('b', "properties.plan = 'pro'", [{ type: 'DROP_PROPERTIES', fields: { context: ['ip'] } }]),
    rule('c', "properties.plan = 'free'", [{ type: 'DROP' }]),
  ]
  const result = kept(applyFilters(track(), filters, () => 0.1))
  assert.deepEqual(result.properties, { plan: 'pro', total: 10 })
  assert.equal('ip' in (result.context as object), false)
  assert.equal(applyFilters(track(), filters, () => 0.9).drop, true)
})

// Public API digest §3 / SDK `PreviewDestinationFilterV1Output`: { inputPayload, result }.
test('previewFilter answers like previewDestinationFilter', () => {
  const payload = deepFreeze(track())
  const strip = previewFilter(
    { if: "type = 'track'", actions: [{ type: 'DROP_PROPERTIES', fields: { properties: ['email'] } }] },
    payload,
  )
  assert.equal(strip.inputPayload, payload)
  assert.deepEqual(strip.result?.properties, { plan: 'pro', total: 10 })
  assert.deepEqual(previewFilter({ if: 'all', actions: [{ type: 'DROP' }] }, payload), {
    inputPayload: payload,
    result: null,
  })
  assert.deepEqual(
    previewFilter({ if: "type = 'identify'", actions: [{ type: 'DROP' }] }, payload).result,
    payload,
  )
  assert.equal(previewFilter({ if: 'userId = ', actions: [{ type: 'DROP' }] }, payload).result, null)
  assert.equal(
    previewFilter({ if: 'all', actions: [{ type: 'SAMPLE', percent: 0.5 }] }, payload, () => 0.7).result,
    null,
  )
})
