import assert from 'node:assert/strict'
import { test } from 'node:test'
import { enrichMessage, validateMessage, type MessageType, type StoredMessage } from '../../spec/index.ts'
import { mergeUpserts, planSchema, rowsForMessage } from '../index.ts'

const receivedAt = new Date('2026-03-02T10:15:31.000Z')
function stored(raw: Record<string, unknown>, type: MessageType): StoredMessage {
  const result = validateMessage(raw, type)
  if (!result.ok) throw new Error(result.reason)
  return enrichMessage(result.message, {
    receivedAt,
    sentAt: '2026-03-02T10:15:30.500Z',
    newMessageId: () => 'generated',
  })
}

const common = {
  anonymousId: 'anon-1',
  userId: 'user-1',
  timestamp: '2026-03-02T10:15:30.000Z',
  context: { library: { name: 'analytics.js', version: 'next-1.84.3' }, ip: '203.0.113.7' },
}
const batch: StoredMessage[] = [
  stored({ ...common, messageId: 'm1', traits: { email: 'ada@acme.example', plan: 'free' } }, 'identify'),
  stored({ ...common, messageId: 'm2', event: 'Order Completed', properties: { total: 27.5 } }, 'track'),
  stored(
    { ...common, messageId: 'm3', name: 'Pricing', properties: { url: 'https://acme.example' } },
    'page',
  ),
  stored({ ...common, messageId: 'm4', name: 'Home', properties: { title: 'Home' } }, 'screen'),
  stored(
    { ...common, messageId: 'm5', groupId: 'g1', traits: { name: 'Acme', employee_count: 120 } },
    'group',
  ),
  stored({ ...common, messageId: 'm6', previousId: 'anon-1' }, 'alias'),
  stored({ ...common, messageId: 'm7', traits: { plan: 'pro' } }, 'identify'),
]

// Warehouse spec §2.2 (tables) and §2.3 (documented columns per table), for a batch of every call type.
test('a batch of every call type gives the documented tables and columns', () => {
  const rows = batch.flatMap((message) => rowsForMessage(message, { uuidTs: receivedAt }))
  const plan = planSchema({}, rows)
  assert.deepEqual(
    plan.createTables.map((t) => t.table),
    ['identifies', 'users', 'tracks', 'order_completed', 'pages', 'screens', 'groups', 'accounts', 'aliases'],
  )
  const columns = (table: string) => Object.keys(plan.schema[table] ?? {}).sort()
  const system = [
    'anonymous_id',
    'context_ip',
    'context_library_name',
    'context_library_version',
    'id',
    'original_timestamp',
    'received_at',
    'sent_at',
    'timestamp',
    'user_id',
    'uuid_ts',
  ]
  const withSystem = (...more: string[]) => [...system, ...more].sort()
  assert.deepEqual(columns('identifies'), withSystem('email', 'plan'))
  assert.deepEqual(columns('users'), ['email', 'id', 'plan', 'received_at', 'uuid_ts'])
  assert.deepEqual(columns('tracks'), withSystem('event', 'event_text'))
  assert.deepEqual(columns('order_completed'), withSystem('event', 'event_text', 'total'))
  assert.deepEqual(columns('pages'), withSystem('name', 'url'))
  assert.deepEqual(columns('screens'), withSystem('name', 'title'))
  assert.deepEqual(columns('groups'), withSystem('employee_count', 'group_id', 'name'))
  assert.deepEqual(columns('accounts'), ['employee_count', 'id', 'name', 'received_at', 'uuid_ts'])
  assert.deepEqual(columns('aliases'), withSystem('previous_id'))
  assert.deepEqual(plan.schema.order_completed?.total, 'double')
  assert.deepEqual(plan.conflicts, [])

  const users = mergeUpserts(plan.rows).filter((r) => r.table === 'users')
  assert.deepEqual(users, [
    {
      table: 'users',
      row: {
        id: 'user-1',
        received_at: '2026-03-02T10:15:31.000Z',
        uuid_ts: '2026-03-02T10:15:31.000Z',
        email: 'ada@acme.example',
        plan: 'pro',
      },
    },
  ])
})
