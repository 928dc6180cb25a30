import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { after, before, describe, test } from 'node:test'
import {
  actionsDriver,
  findDestinationEntry,
  loadedDefinitions,
  loadDestinationCatalog,
  type DefinitionRecord,
  type MappingConfig,
} from '../../src/destinations/index.ts'
import type { StoredMessage } from '../../src/spec/index.ts'
import { startSink, type Sink } from '../support/sink.ts'

const AMPLITUDE = '5f7dd6d21ad74f3842b1fc47'
const WEBHOOK_ACTIONS = '614a3c7d791c91c41bae7599'

const order = (fields: Record<string, unknown> = {}): StoredMessage =>
  ({
    type: 'track',
    event: 'Order Completed',
    userId: 'user-0001',
    anonymousId: 'anon-0001',
    messageId: 'm-1',
    receivedAt: '2026-01-01T00:00:01.000Z',
    timestamp: '2026-01-01T00:00:00.000Z',
    context: { ip: '1.2.3.4', library: { name: 'analytics.js', version: '1' } },
    properties: { total: 150, revenue: 150, currency: 'USD', order_id: 'o1' },
    ...fields,
  }) as StoredMessage

const record = (id: string): DefinitionRecord => findDestinationEntry(id)!.definition!

const mapping = (
  fields: Partial<MappingConfig> & Pick<MappingConfig, 'actionSlug' | 'mapping'>,
): MappingConfig => ({
  id: fields.actionSlug,
  name: fields.actionSlug,
  trigger: 'type = "track"',
  enabled: true,
  ...fields,
})

describe('Actions driver: definitions run by actions-core, requests through sandbox egress', () => {
  let sink: Sink
  before(async () => {
    await loadDestinationCatalog()
    sink = await startSink()
  })
  after(async () => sink?.close())

  const context = () => ({ now: Date.now, egressUrl: `${sink.url}/egress` })

  test("Amplitude's presets: the real request goes to the egress URL, naming the original", async () => {
    const amplitude = record(AMPLITUDE)
    const preset = amplitude.presets.find((p) => p.partnerAction === 'logPurchase')!
    const driver = actionsDriver({
      record: amplitude,
      settings: { apiKey: 'AMP_KEY', secretKey: 'AMP_SECRET', endpoint: 'north_america' },
      mappings: [
        mapping({ actionSlug: preset.partnerAction, trigger: preset.subscribe, mapping: preset.mapping }),
      ],
    })
    sink.requests.length = 0
    const result = await driver.deliver([order()], context())
    assert.equal(result.outcome.kind, 'delivered')
    const [request] = sink.requests
    assert.equal(request!.path, '/egress/2/httpapi')
    assert.equal(request!.headers['x-switchyard-original-url'], 'https://api2.amplitude.com/2/httpapi')
    assert.equal(request!.headers['x-switchyard-call'], undefined, 'the call tag never leaves the process')
    const body = JSON.parse(request!.body) as { api_key: string; events: Record<string, unknown>[] }
    assert.equal(body.api_key, 'AMP_KEY')
    assert.equal(body.events[0]!['event_type'], 'Order Completed')
    assert.equal(body.events[0]!['user_id'], 'user-0001')
    assert.equal(body.events[0]!['revenue'], 150)
    assert.equal(result.exchanges.length, 1)
    assert.equal(result.exchanges[0]!.request.url, `${sink.url}/egress/2/httpapi`)
  })

  test('no enabled mapping matches: filtered as "No matching mapping", nothing sent', async () => {
    const driver = actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      mappings: [
        mapping({ actionSlug: 'send', trigger: 'type = "identify"', mapping: { url: `${sink.url}/hook` } }),
        mapping({ actionSlug: 'send', enabled: false, mapping: { url: `${sink.url}/hook` } }),
      ],
    })
    sink.requests.length = 0
    const result = await driver.deliver([order()], context())
    assert.deepEqual(result.outcomes?.[0], {
      kind: 'filtered',
      reason: 'no_matching_mapping',
      detail: 'No enabled mapping of this destination matches the message',
    })
    assert.equal(sink.requests.length, 0)
  })

  test('one event matching N mappings makes N requests; the worst outcome counts', async () => {
    const driver = actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      mappings: [
        mapping({
          id: 'a',
          actionSlug: 'send',
          mapping: { url: 'https://a.example.com/x', method: 'POST', data: { '@path': '$.properties' } },
        }),
        mapping({
          id: 'b',
          actionSlug: 'send',
          mapping: { url: 'https://b.example.com/y', method: 'POST', data: { '@path': '$.context' } },
        }),
      ],
    })
    sink.requests.length = 0
    sink.answerWith((r) => ({ status: r.path.endsWith('/y') ? 503 : 200 }))
    const result = await driver.deliver([order()], context())
    sink.answerWith({ status: 200 })
    assert.equal(sink.requests.length, 2)
    assert.deepEqual(sink.requests.map((r) => r.headers['x-switchyard-original-url']).sort(), [
      'https://a.example.com/x',
      'https://b.example.com/y',
    ])
    assert.equal(result.outcomes?.[0]?.kind, 'retry')
  })

  test("the actions' errors map onto the retry rules", async () => {
    const webhook = (status: number) => {
      sink.answerWith({ status })
      return actionsDriver({
        record: record(WEBHOOK_ACTIONS),
        settings: {},
        mappings: [
          mapping({ actionSlug: 'send', mapping: { url: 'https://hooks.example.com/in', method: 'POST' } }),
        ],
      }).deliver([order()], context())
    }
    const cases: [number, string, string][] = [
      [200, 'delivered', '200'],
      [429, 'retry', '429'],
      [500, 'retry', '500'],
      [400, 'drop', '400'],
      [401, 'drop', '401'],
    ]
    for (const [status, kind, code] of cases) {
      const { outcome } = await webhook(status)
      assert.equal(outcome.kind, kind, `status ${status}`)
      assert.equal(outcome.code, code, `status ${status}`)
    }
    sink.answerWith({ status: 200 })
    // A mapping without the action's required field fails payload validation: dropped, with the reason.
    const invalid = await actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      mappings: [mapping({ actionSlug: 'send', mapping: { method: 'POST', data: { '@path': '$.event' } } })],
    }).deliver([order()], context())
    assert.equal(invalid.outcome.kind, 'drop')
    assert.equal(invalid.outcome.code, 'PAYLOAD_VALIDATION_FAILED')
    assert.match((invalid.outcome as { detail: string }).detail, /url/)
  })

  test('a batching mapping sends one request for the batch and gives an outcome per message', async () => {
    const driver = actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      mappings: [
        mapping({
          actionSlug: 'send',
          mapping: {
            url: 'https://hooks.example.com/batch',
            method: 'POST',
            data: { '@path': '$.properties' },
            enable_batching: true,
            batch_size: 10,
            batch_flush_interval_ms: 500,
          },
        }),
      ],
    })
    assert.equal(driver.batchSize, 10)
    assert.equal(driver.flushIntervalMs, 500, 'the mapping asks to wait up to 500 ms for a full batch')
    sink.requests.length = 0
    const messages = [order({ messageId: 'm-1' }), order({ messageId: 'm-2', properties: { n: 2 } })]
    const result = await driver.deliver(messages, context())
    assert.equal(sink.requests.length, 1)
    assert.deepEqual(JSON.parse(sink.requests[0]!.body), [order().properties, { n: 2 }])
    assert.deepEqual(
      result.outcomes?.map((o) => o.kind),
      ['delivered', 'delivered'],
    )
  })

  test('a batch request only holds messages that agree on the batch keys (url, method, headers)', async () => {
    const driver = actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      mappings: [
        mapping({
          actionSlug: 'send',
          mapping: {
            url: { '@path': '$.properties.hook' },
            method: 'POST',
            data: { '@path': '$.properties' },
            enable_batching: true,
            batch_size: 10,
          },
        }),
      ],
    })
    sink.requests.length = 0
    const messages = [
      order({ messageId: 'a-1', properties: { hook: 'https://tenant-a.example.com/in', n: 1 } }),
      order({ messageId: 'b-1', properties: { hook: 'https://tenant-b.example.com/in', n: 2 } }),
      order({ messageId: 'a-2', properties: { hook: 'https://tenant-a.example.com/in', n: 3 } }),
    ]
    const result = await driver.deliver(messages, context())
    const byTarget = Object.fromEntries(
      sink.requests.map((r) => [
        r.headers['x-switchyard-original-url'],
        (JSON.parse(r.body) as { n: number }[]).map((p) => p.n),
      ]),
    )
    assert.deepEqual(byTarget, {
      'https://tenant-a.example.com/in': [1, 3],
      'https://tenant-b.example.com/in': [2],
    })
    assert.deepEqual(
      result.messageExchanges?.map((made) => made.map((e) => e.request.headers['X-Switchyard-Original-Url'])),
      [
        ['https://tenant-a.example.com/in'],
        ['https://tenant-b.example.com/in'],
        ['https://tenant-a.example.com/in'],
      ],
      'each message names only the request that carried it',
    )
  })

  test('a request that gets no answer times out and is retried, inside the lease', async () => {
    sink.answerWith('hang')
    sink.requests.length = 0
    const started = Date.now()
    const { outcome } = await actionsDriver({
      record: record(WEBHOOK_ACTIONS),
      settings: {},
      requestTimeoutMs: 300,
      mappings: [
        mapping({ actionSlug: 'send', mapping: { url: 'https://slow.example.com/in', method: 'POST' } }),
      ],
    }).deliver([order()], { ...context(), signal: new AbortController().signal })
    sink.answerWith({ status: 200 })
    assert.equal(outcome.kind, 'retry')
    assert.ok(Date.now() - started < 5_000, `gave up after ${Date.now() - started} ms`)
    assert.equal(sink.requests.length, 1)
  })

  test("a definition that hands its calls to Segment's platform is not counted as delivered", async () => {
    const profiles = findDestinationEntry('639c2dbb1309fdcad13951b6')!.definition!
    const { outcome } = await actionsDriver({
      record: profiles,
      settings: {},
      mappings: [
        mapping({
          actionSlug: 'sendIdentify',
          trigger: 'type = "track"',
          mapping: { engage_space: 'space-1', user_id: { '@path': '$.userId' } },
        }),
      ],
    }).deliver([order()], context())
    assert.equal(outcome.kind, 'drop')
    assert.equal(outcome.code, 'PLATFORM_CALLS_NOT_SENT')
  })

  test("onDelete: a deletion request runs the definition's own (Amplitude's user deletion API)", async () => {
    const driver = actionsDriver({
      record: record(AMPLITUDE),
      settings: { apiKey: 'AMP_KEY', secretKey: 'AMP_SECRET', endpoint: 'north_america' },
      mappings: [],
    })
    assert.ok(driver.deleteUser, 'Amplitude defines onDelete')
    sink.requests.length = 0
    const result = await driver.deleteUser({ userId: 'user-0001' }, context())
    assert.equal(result.outcome.kind, 'delivered')
    const [request] = sink.requests
    assert.equal(request!.headers['x-switchyard-original-url'], 'https://amplitude.com/api/2/deletions/users')
    assert.equal(
      request!.headers.authorization,
      `Basic ${Buffer.from('AMP_KEY:AMP_SECRET').toString('base64')}`,
    )
    assert.deepEqual(JSON.parse(request!.body), { user_ids: ['user-0001'], requester: 'segment' })
    assert.equal(
      actionsDriver({ record: record(WEBHOOK_ACTIONS), settings: {}, mappings: [] }).deleteUser,
      undefined,
      'Webhook (Actions) has no onDelete',
    )
  })

  test('definitions load lazily: only those in use are imported, never the whole package', () => {
    assert.equal(loadedDefinitions(), 3, 'Amplitude, Webhook (Actions) and Segment Profiles')
    const loaded = Object.keys(createRequire(import.meta.url).cache)
    assert.ok(!loaded.some((path) => path.endsWith('/action-destinations/dist/destinations/index.js')))
    assert.ok(!loaded.some((path) => path.includes('/action-destinations/dist/destinations/mixpanel/')))
  })
})

test('Actions destinations answer to both of their names in the integrations object', async () => {
  const { actionsAliases } = await import('../../src/destinations/actions/driver.ts')
  const cases: [string, string[]][] = [
    ['Actions Amplitude', ['Amplitude (Actions)']],
    ['Mixpanel (Actions)', ['Actions Mixpanel']],
    ['Google Analytics 4 Cloud', []],
  ]
  for (const [name, aliases] of cases) assert.deepEqual(actionsAliases(name), aliases, name)
})
