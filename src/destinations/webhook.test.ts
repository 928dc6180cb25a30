import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredMessage } from '../spec/index.ts'
import type { AttemptOutcome } from './retry-policy.ts'
import {
  WEBHOOK_DESTINATION,
  buildWebhookDeleteRequests,
  buildWebhookRequests,
  combineHookOutcomes,
  validateWebhookSettings,
  webhookSignature,
  type WebhookSettings,
} from './webhook.ts'

const message = (id: string, fields: Record<string, unknown> = {}) =>
  ({
    type: 'track',
    event: 'Purchased an Item',
    userId: '019mr8mf4r',
    properties: { revenue: '39.95', shippingMethod: '2-day' },
    messageId: id,
    receivedAt: '2012-12-02T00:30:08.276Z',
    timestamp: '2012-12-02T00:30:08.276Z',
    ...fields,
  }) as StoredMessage

const one = (settings: WebhookSettings, messages = [message('m1')]) =>
  buildWebhookRequests(messages, settings)

// Segment's Webhooks page: "POST … User-Agent: Segment.io/1.0, Content-Type: application/json", the message
// JSON as the body.
test('one message, one webhook: a POST of the message JSON with Segment headers', () => {
  const [request, ...rest] = one({ hooks: [{ hook: 'https://your-webhook-url.com/x' }] })
  assert.equal(rest.length, 0)
  assert.deepEqual(request, {
    method: 'POST',
    url: 'https://your-webhook-url.com/x',
    headers: { 'Content-Type': 'application/json', 'User-Agent': 'Segment.io/1.0' },
    body: JSON.stringify(message('m1')),
    hookIndex: 0,
    messageIds: ['m1'],
  })
})

// "Segment calculates a SHA1 digest using the shared secret and the JSON-stringified body of the request."
test('X-Signature: hex HMAC-SHA1 of the exact body', () => {
  // RFC 2202, HMAC-SHA1 test case 2.
  assert.equal(
    webhookSignature('what do ya want for nothing?', 'Jefe'),
    'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79',
  )
  const cases: [string, StoredMessage][] = [
    ['ascii', message('m1')],
    ['non-ASCII text is signed as UTF-8', message('m2', { properties: { name: 'Zoë 🚀', '\u2028': 'x' } })],
  ]
  for (const [name, m] of cases) {
    const [request] = one({ hooks: [{ hook: 'https://h.example/x' }], sharedSecret: 's3cret' }, [m])
    assert.ok(request)
    assert.equal(request.headers['X-Signature'], webhookSignature(request.body, 's3cret'), name)
    // Segment's verification example re-stringifies the parsed body: it must see the signed bytes.
    assert.equal(JSON.stringify(JSON.parse(request.body)), request.body, name)
  }
  const [unsigned] = one({ hooks: [{ hook: 'https://h.example/x' }], sharedSecret: '' })
  assert.equal(unsigned?.headers['X-Signature'], undefined, 'an empty secret signs nothing')
})

// "Specify up to five different Webhook URLs … Add in any header values you would like to add."
test('webhooks and their headers', () => {
  const cases: [string, WebhookSettings, { url: string; headers: Record<string, string> }[]][] = [
    [
      'each webhook with its own headers',
      {
        hooks: [
          { hook: 'https://a.example/1', headers: [{ key: 'Authorization', value: 'Bearer a' }] },
          { hook: 'https://b.example/2', headers: [{ key: 'X-Team', value: 'b' }] },
        ],
      },
      [
        { url: 'https://a.example/1', headers: { Authorization: 'Bearer a' } },
        { url: 'https://b.example/2', headers: { 'X-Team': 'b' } },
      ],
    ],
    [
      "Segment's empty rows are ignored",
      {
        globalHook: '',
        hooks: [{ hook: 'https://a.example/1', headers: [{ key: '', value: '' }] }, { hook: '' }],
        sharedSecret: '',
      },
      [{ url: 'https://a.example/1', headers: {} }],
    ],
    [
      'globalHook is used only when no webhook has a URL',
      { globalHook: 'https://legacy.example/', hooks: [{ hook: '' }] },
      [{ url: 'https://legacy.example/', headers: {} }],
    ],
    [
      'globalHook is ignored beside webhooks',
      { globalHook: 'https://legacy.example/', hooks: [{ hook: 'https://a.example/1' }] },
      [{ url: 'https://a.example/1', headers: {} }],
    ],
    [
      'a custom User-Agent replaces ours',
      { hooks: [{ hook: 'https://a.example/1', headers: [{ key: 'user-agent', value: 'mine' }] }] },
      [{ url: 'https://a.example/1', headers: { 'user-agent': 'mine' } }],
    ],
    [
      'reserved headers are skipped even without validation',
      { hooks: [{ hook: 'https://a.example/1', headers: [{ key: 'Content-Type', value: 'text/plain' }] }] },
      [{ url: 'https://a.example/1', headers: {} }],
    ],
    [
      'credentials in the URL become Basic auth',
      { hooks: [{ hook: 'https://us%40r:p%3Ass@a.example/1' }] },
      [
        {
          url: 'https://a.example/1',
          headers: { Authorization: `Basic ${Buffer.from('us@r:p:ss').toString('base64')}` },
        },
      ],
    ],
    [
      "a webhook's own Authorization wins over URL credentials",
      {
        hooks: [{ hook: 'https://u:p@a.example/1', headers: [{ key: 'Authorization', value: 'Bearer t' }] }],
      },
      [{ url: 'https://a.example/1', headers: { Authorization: 'Bearer t' } }],
    ],
    [
      'credentials that are not valid percent-encoding are sent as written',
      { hooks: [{ hook: 'https://a%ZZ:b@a.example/1' }] },
      [
        {
          url: 'https://a.example/1',
          headers: { Authorization: `Basic ${Buffer.from('a%ZZ:b').toString('base64')}` },
        },
      ],
    ],
    ['no URL, no requests', { hooks: [] }, []],
  ]
  for (const [name, settings, expected] of cases) {
    const got = one(settings).map((r) => {
      const { 'Content-Type': contentType, 'User-Agent': userAgent, ...custom } = r.headers
      assert.equal(contentType, 'application/json', name)
      if (!('user-agent' in custom)) assert.equal(userAgent, 'Segment.io/1.0', name)
      return { url: r.url, headers: custom }
    })
    assert.deepEqual(got, expected, name)
  }
})

test('every message goes to every webhook, one request each without batching', () => {
  const hooks = [1, 2, 3, 4, 5].map((n) => ({ hook: `https://h${n}.example/` }))
  const requests = buildWebhookRequests([message('m1'), message('m2')], { hooks })
  assert.equal(requests.length, 10)
  assert.deepEqual(
    requests.map((r) => `${r.hookIndex}:${r.messageIds.join(',')}`),
    ['0:m1', '0:m2', '1:m1', '1:m2', '2:m1', '2:m2', '3:m1', '3:m2', '4:m1', '4:m2'],
  )
})

// Switchyard's batching: a JSON array of messages, `batchSize` per request (the shape Webhooks (Actions)
// sends when batching, Destinations digest §3.3 / 70-npm-packages "onBatch").
test('batching: a JSON array body of up to batchSize messages', () => {
  const messages = ['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => message(id))
  const cases: [string, WebhookSettings, string[][]][] = [
    ['batches of 2', { enableBatching: true, batchSize: 2 }, [['m1', 'm2'], ['m3', 'm4'], ['m5']]],
    ['default batch size holds all five', { enableBatching: true }, [['m1', 'm2', 'm3', 'm4', 'm5']]],
    ['batch size 1', { enableBatching: true, batchSize: 1 }, [['m1'], ['m2'], ['m3'], ['m4'], ['m5']]],
    [
      'batchSize without enableBatching: no batching',
      { batchSize: 2 },
      [['m1'], ['m2'], ['m3'], ['m4'], ['m5']],
    ],
  ]
  for (const [name, extra, groups] of cases) {
    const requests = buildWebhookRequests(messages, {
      hooks: [{ hook: 'https://h.example/' }],
      sharedSecret: 'k',
      ...extra,
    })
    assert.deepEqual(
      requests.map((r) => r.messageIds),
      groups,
      name,
    )
    for (const r of requests) {
      const body: unknown = JSON.parse(r.body)
      if (extra.enableBatching) {
        assert.ok(Array.isArray(body), name)
        assert.deepEqual(
          body.map((m: StoredMessage) => m.messageId),
          r.messageIds,
          name,
        )
      } else assert.equal((body as StoredMessage).messageId, r.messageIds[0], name)
      assert.equal(
        r.headers['X-Signature'],
        webhookSignature(r.body, 'k'),
        `${name}: the whole batch body is signed`,
      )
    }
  }
})

// Privacy digest §8.3: Webhooks receive forwarded deletions; Segment's page shows the body.
test('deletion requests', () => {
  const requests = buildWebhookDeleteRequests(
    { userId: '019mr8mf4r', timestamp: '2012-12-02T00:30:08.276Z' },
    { hooks: [{ hook: 'https://a.example/' }, { hook: 'https://b.example/' }], sharedSecret: 'k' },
  )
  assert.equal(requests.length, 2)
  assert.equal(
    requests[0]?.body,
    '{"type":"delete","userId":"019mr8mf4r","timestamp":"2012-12-02T00:30:08.276Z"}',
  )
  assert.equal(requests[0]?.headers['X-Signature'], webhookSignature(requests[0]?.body ?? '', 'k'))
})

// "If sending a message to any of the webhooks succeed, we consider the message to be successfully processed
// and won't retry the request to the other webhooks."
test('one outcome per message across its webhooks', () => {
  const ok: AttemptOutcome = { kind: 'delivered', code: '200', status: 200 }
  const retry = (ms?: number): AttemptOutcome => ({
    kind: 'retry',
    code: '429',
    status: 429,
    detail: 'answered 429',
    ...(ms !== undefined && { retryAfterMs: ms }),
  })
  const drop: AttemptOutcome = { kind: 'drop', code: '404', status: 404, detail: 'rejected with 404' }
  const cases: [string, AttemptOutcome[], AttemptOutcome][] = [
    ['one success is enough', [drop, retry(), ok], ok],
    ['a retryable failure beats a permanent one', [drop, retry()], retry()],
    ['the longest Retry-After', [retry(1000), retry(), retry(5000)], retry(5000)],
    ['all permanent: the first', [drop, { ...drop, code: '400' }], drop],
  ]
  for (const [name, outcomes, expected] of cases)
    assert.deepEqual(combineHookOutcomes(outcomes), expected, name)
  assert.throws(() => combineHookOutcomes([]), RangeError)
})

test('settings validation: errors name the field', () => {
  const hook = (fields: Record<string, unknown>) => ({ hooks: [{ hook: 'https://a.example/', ...fields }] })
  const header = (key: string, value = 'v') => hook({ headers: [{ key, value }] })
  const cases: [string, unknown, string[]][] = [
    [
      'a Segment export loads unchanged',
      {
        globalHook: 'https://webhook-test.com/6a9e',
        hooks: [{ headers: [{ key: '', value: '' }], hook: 'https://webhook-test.com/6a9e' }],
        sharedSecret: '',
      },
      [],
    ],
    ['batching settings', { ...hook({}), enableBatching: true, batchSize: 1000 }, []],
    ['not an object', 'https://a.example/', ['']],
    ['six webhooks', { hooks: Array.from({ length: 6 }, () => ({ hook: 'https://a.example/' })) }, ['hooks']],
    ['no URL anywhere', { hooks: [{ hook: '' }], globalHook: '' }, ['hooks']],
    ['no settings at all', {}, ['hooks']],
    ['missing hook', { hooks: [{ headers: [] }] }, ['hooks.0.hook']],
    ['hook not a string', { hooks: [{ hook: 5 }] }, ['hooks.0.hook']],
    ['relative URL', { hooks: [{ hook: '/x' }] }, ['hooks.0.hook']],
    ['ftp URL', { hooks: [{ hook: 'ftp://a.example/' }] }, ['hooks.0.hook']],
    ['bad globalHook', { globalHook: 'nope', ...hook({}) }, ['globalHook']],
    ['unknown setting', { ...hook({}), url: 'https://a.example/' }, ['url']],
    ['unknown webhook field', hook({ method: 'PUT' }), ['hooks.0.method']],
    ['header name with a space', header('X Team'), ['hooks.0.headers.0.key']],
    ['header name with a colon', header('X-Team:'), ['hooks.0.headers.0.key']],
    ['reserved header', header('X-Signature'), ['hooks.0.headers.0.key']],
    ['reserved header in another case', header('content-length'), ['hooks.0.headers.0.key']],
    [
      'header given twice',
      hook({
        headers: [
          { key: 'X-A', value: '1' },
          { key: 'x-a', value: '2' },
        ],
      }),
      ['hooks.0.headers.1.key'],
    ],
    ['header value with a line break', header('X-A', 'a\r\nX-Evil: 1'), ['hooks.0.headers.0.value']],
    ['header without value', hook({ headers: [{ key: 'X-A' }] }), ['hooks.0.headers.0.value']],
    ['sharedSecret not a string', { ...hook({}), sharedSecret: 42 }, ['sharedSecret']],
    ['batchSize 0', { ...hook({}), batchSize: 0 }, ['batchSize']],
    ['batchSize 1001', { ...hook({}), batchSize: 1001 }, ['batchSize']],
    ['batchSize 1.5', { ...hook({}), batchSize: 1.5 }, ['batchSize']],
    ['enableBatching "true"', { ...hook({}), enableBatching: 'true' }, ['enableBatching']],
  ]
  for (const [name, settings, fields] of cases) {
    const result = validateWebhookSettings(settings)
    assert.deepEqual(result.ok ? [] : result.errors.map((e) => e.field), fields, name)
    if (!result.ok) for (const e of result.errors) assert.ok(e.message.length > 0, name)
  }
})

test('the destination as data', () => {
  assert.equal(WEBHOOK_DESTINATION.name, 'Webhooks')
  assert.equal(WEBHOOK_DESTINATION.timeoutMs, 5000)
  assert.deepEqual([...WEBHOOK_DESTINATION.supportedTypes].sort(), [
    'alias',
    'group',
    'identify',
    'page',
    'screen',
    'track',
  ])
  assert.equal(WEBHOOK_DESTINATION.settingsSchema.properties.sharedSecret.writeOnly, true)
})
