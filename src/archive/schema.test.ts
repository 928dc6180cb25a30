import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StoredMessage } from '../spec/index.ts'
import { aggregateSchema, fieldPaths, schemaName, type SchemaInput } from './schema.ts'

const pathCases: [name: string, value: unknown, expected: string[]][] = [
  ['nothing', undefined, []],
  ['not an object', 'text', []],
  ['flat', { plan: 'pro', total: 3 }, ['plan', 'total']],
  [
    'nested objects',
    { address: { city: 'Oslo', geo: { lat: 1 } } },
    ['address', 'address.city', 'address.geo', 'address.geo.lat'],
  ],
  ['arrays of scalars get .$', { tags: ['a', 'b'] }, ['tags', 'tags.$']],
  ['an empty array has no items', { tags: [] }, ['tags']],
  [
    'arrays of objects: every key of every item, once',
    { products: [{ sku: 'a' }, { sku: 'b', price: 2 }] },
    ['products', 'products.$', 'products.$.sku', 'products.$.price'],
  ],
  ['arrays of arrays', { grid: [[1], [2]] }, ['grid', 'grid.$', 'grid.$.$']],
  ['null values are paths without children', { coupon: null }, ['coupon']],
]
for (const [name, value, expected] of pathCases) {
  test(`field paths: ${name}`, () => assert.deepEqual(fieldPaths(value), expected))
}

test('field paths: limits on count, length and depth', () => {
  const limits = { pathsPerMessage: 3, nameLength: 8, depth: 2 }
  assert.deepEqual(fieldPaths({ a: 1, b: 2, c: 3, d: 4 }, limits), ['a', 'b', 'c'])
  assert.deepEqual(fieldPaths({ toolongname: { x: 1 }, ok: 1 }, limits), ['ok'])
  assert.deepEqual(fieldPaths({ a: { b: { c: { d: 1 } } } }, limits), ['a', 'a.b', 'a.b.c'])
  assert.deepEqual(fieldPaths({ 'nul\0': 1 }), [])
})

const nameCases: [message: Record<string, unknown>, expected: string][] = [
  [{ type: 'track', event: 'Order Completed' }, 'Order Completed'],
  [{ type: 'page', name: 'Home' }, 'Home'],
  [{ type: 'screen' }, ''],
  [{ type: 'identify', event: 'ignored' }, ''],
  [{ type: 'group' }, ''],
  [{ type: 'alias' }, ''],
]
for (const [message, expected] of nameCases) {
  test(`schema name of ${JSON.stringify(message)}`, () =>
    assert.equal(schemaName(message as { type: string }), expected))
}

const input = (
  sourceId: string,
  receivedAt: string,
  message: Record<string, unknown>,
  blocked = false,
): SchemaInput => ({
  workspaceId: 'w',
  sourceId,
  receivedAt,
  blocked,
  message: { messageId: 'm', receivedAt, timestamp: receivedAt, ...message } as StoredMessage,
})

test('events are counted per source, call type and name, with blocked counts and first/last seen', () => {
  const delta = aggregateSchema([
    input('s1', '2026-11-01T10:00:00.000Z', { type: 'track', event: 'Signed Up' }),
    input('s1', '2026-11-01T09:00:00.000Z', { type: 'track', event: 'Signed Up' }, true),
    input('s1', '2026-11-01T11:00:00.000Z', { type: 'track', event: 'Signed Up' }),
    input('s2', '2026-11-01T10:00:00.000Z', { type: 'track', event: 'Signed Up' }),
    input('s1', '2026-11-01T10:00:00.000Z', { type: 'identify', traits: { email: 'a@b' } }),
    input('s1', '2026-11-01T10:00:00.000Z', { type: 'page', name: 'Home' }),
  ])
  assert.deepEqual(
    delta.events.map((e) => [e.sourceId, e.type, e.name, e.total, e.blocked, e.firstSeen, e.lastSeen]),
    [
      ['s1', 'track', 'Signed Up', 3, 1, '2026-11-01T09:00:00.000Z', '2026-11-01T11:00:00.000Z'],
      ['s2', 'track', 'Signed Up', 1, 0, '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z'],
      ['s1', 'identify', '', 1, 0, '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z'],
      ['s1', 'page', 'Home', 1, 0, '2026-11-01T10:00:00.000Z', '2026-11-01T10:00:00.000Z'],
    ],
  )
})

test('properties per event and traits per call type, each counted once per message', () => {
  const delta = aggregateSchema([
    input('s1', '2026-11-01T10:00:00.000Z', {
      type: 'track',
      event: 'Order Completed',
      properties: { total: 5, products: [{ sku: 'a' }, { sku: 'b' }] },
    }),
    input('s1', '2026-11-01T10:00:01.000Z', {
      type: 'track',
      event: 'Order Completed',
      properties: { total: 7 },
    }),
    input('s1', '2026-11-01T10:00:02.000Z', { type: 'track', event: 'Refunded', properties: { total: 1 } }),
    input('s1', '2026-11-01T10:00:03.000Z', { type: 'group', groupId: 'g', traits: { plan: 'pro' } }),
    input('s1', '2026-11-01T10:00:04.000Z', { type: 'identify', traits: { plan: 'pro' } }),
    input('s1', '2026-11-01T10:00:05.000Z', { type: 'alias', previousId: 'x', properties: { ignored: 1 } }),
    input('s1', '2026-11-01T10:00:06.000Z', { type: 'identify', properties: { notTraits: 1 } }),
  ])
  assert.deepEqual(
    delta.fields.map((f) => [f.type, f.name, f.path, f.total, f.lastSeen.slice(17, 19)]),
    [
      ['track', 'Order Completed', 'total', 2, '01'],
      ['track', 'Order Completed', 'products', 1, '00'],
      ['track', 'Order Completed', 'products.$', 1, '00'],
      ['track', 'Order Completed', 'products.$.sku', 1, '00'],
      ['track', 'Refunded', 'total', 1, '02'],
      ['group', '', 'plan', 1, '03'],
      ['identify', '', 'plan', 1, '04'],
    ],
  )
})

test('an event name too long for the schema is left out, with its fields', () => {
  const delta = aggregateSchema([
    input('s1', '2026-11-01T10:00:00.000Z', { type: 'track', event: 'x'.repeat(300), properties: { a: 1 } }),
  ])
  assert.deepEqual(delta, { events: [], fields: [] })
})
