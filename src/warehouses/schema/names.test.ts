import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { enrichMessage, validateMessage, type MessageType, type StoredMessage } from '../../spec/index.ts'
import { eventTableName, rowsForMessage, type TableRow } from './tables.ts'

const NODE_SENT_AT = '2026-03-02T10:15:30.500Z'
const nodeEnvelope = {
  userId: 'user-42',
  context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
  integrations: {},
  timestamp: '2026-03-01T23:59:00.000Z',
}

function stored(raw: Record<string, unknown>, type: MessageType, sentAt: string): StoredMessage {
  const result = validateMessage(raw, type)
  if (!result.ok) throw new Error(`invalid fixture: ${result.reason}`)
  return enrichMessage(result.message, {
    receivedAt: new Date('2026-03-02T10:15:31.000Z'),
    sentAt,
    newMessageId: () => 'generated-id',
  })
}
const rows = (message: StoredMessage): TableRow[] =>
  rowsForMessage(message, { uuidTs: new Date('2026-03-02T11:00:00.000Z') })

// Warehouse spec §2.1 (reserved column collisions): properties and traits named like a system column
// are dropped; §2.3: integrations, channel, type, version and other top-level fields are left out.
describe('§2.1 collisions and left-out fields', () => {
  test("track('selected gift', {event: 'birthday', type: 'cake'}): event dropped, type kept", () => {
    const message = stored(
      {
        ...nodeEnvelope,
        messageId: 'gift',
        event: 'selected gift',
        properties: { event: 'birthday', type: 'cake' },
      },
      'track',
      NODE_SENT_AT,
    )
    const event = rows(message)[1]!
    assert.equal(event.table, 'selected_gift')
    assert.equal(event.row.event, 'selected_gift')
    assert.equal(event.row.type, 'cake')
  })

  const collisions: [string, unknown][] = [
    ['user_id', 'spoofed'],
    ['userId', 'spoofed'],
    ['anonymousId', 'spoofed'],
    ['id', 'spoofed'],
    ['timestamp', '2000-01-01T00:00:00Z'],
    ['receivedAt', '2000-01-01T00:00:00Z'],
    ['sent_at', 'x'],
    ['originalTimestamp', 'x'],
    ['event_text', 'x'],
    ['uuid_ts', 'x'],
    ['uuid', 'x'],
    ['loaded_at', 'x'],
    ['group_id', 'x'],
    ['previousId', 'x'],
    ['context_ip', '1.2.3.4'],
    ['context', { ip: '1.2.3.4' }],
  ]
  for (const [name, value] of collisions) {
    test(`property ${name} is dropped`, () => {
      const message = stored(
        {
          userId: 'u1',
          anonymousId: 'a1',
          messageId: 'm1',
          event: 'E',
          properties: { [name]: value, kept: 1 },
        },
        'track',
        NODE_SENT_AT,
      )
      const tracks = rows(message)[0]!.row
      const event = rows(message)[1]!.row
      assert.equal(event.kept, 1)
      const { kept: _kept, ...rest } = event
      assert.deepEqual(rest, tracks)
    })
  }

  test('an identify trait user_id is dropped from identifies and users', () => {
    const message = stored(
      { userId: 'u1', messageId: 'm1', traits: { user_id: 'other', userId: 'other', email: 'a@b.c' } },
      'identify',
      NODE_SENT_AT,
    )
    const [identifies, users] = rows(message)
    assert.equal(identifies?.row.user_id, 'u1')
    assert.equal(users?.row.id, 'u1')
    assert.equal(users?.row.user_id, undefined)
    assert.equal(users?.row.email, 'a@b.c')
  })

  test('top-level fields other than the Spec ones are left out, integrations too', () => {
    const message = stored(
      {
        userId: 'u1',
        messageId: 'm1',
        event: 'E',
        channel: 'server',
        version: 2,
        projectId: 'p1',
        integrations: { All: false, Mixpanel: true },
        _metadata: { bundled: [] },
        custom: 'x',
      },
      'track',
      NODE_SENT_AT,
    )
    for (const { row } of rows(message)) {
      for (const column of [
        'channel',
        'version',
        'project_id',
        'integrations_all',
        'type',
        'metadata_bundled',
        'custom',
      ]) {
        assert.equal(Object.hasOwn(row, column), false, column)
      }
    }
  })

  test('two properties with one column name: the first wins', () => {
    const message = stored(
      { userId: 'u1', messageId: 'm1', event: 'E', properties: { userName: 'first', user_name: 'second' } },
      'track',
      NODE_SENT_AT,
    )
    assert.equal(rows(message)[1]?.row.user_name, 'first')
  })

  test('reserved words and leading digits get a leading underscore', () => {
    const message = stored(
      {
        userId: 'u1',
        messageId: 'm1',
        event: 'E',
        properties: { open: true, '2FA Enabled': true, select: 1 },
      },
      'track',
      NODE_SENT_AT,
    )
    const row = rows(message)[1]!.row
    assert.equal(row._open, true)
    assert.equal(row._2fa_enabled, true)
    assert.equal(row._select, 1)
  })

  test('a context field named like a system column stays a context column', () => {
    const message = stored(
      { userId: 'u1', messageId: 'm1', event: 'E', context: { event: 'x', id: 'y' } },
      'track',
      NODE_SENT_AT,
    )
    const row = rows(message)[0]!.row
    assert.equal(row.context_event, 'x')
    assert.equal(row.context_id, 'y')
    assert.equal(row.id, 'm1')
  })
})

// Warehouse spec §2.1 (event → table) and §2.2 (one table per event).
describe('§2.1 event tables', () => {
  const cases: [string, string | undefined][] = [
    ['Signed Up', 'signed_up'],
    ['Order Completed', 'order_completed'],
    ['clocked_in', 'clocked_in'],
    ['101 Account Update', '_101_account_update'],
    ['Open', '_open'],
    ['Tracks', '_tracks'],
    ['users', '_users'],
    ['Identifies', '_identifies'],
    ['Accounts', '_accounts'],
    ['購入完了', undefined],
    ['!!!', undefined],
  ]
  for (const [event, table] of cases) {
    test(`${JSON.stringify(event)} → ${String(table)}`, () => {
      assert.equal(eventTableName(event), table)
    })
  }

  test('an event whose name leaves nothing is a tracks row only, with event_text and no event', () => {
    const message = stored(
      { userId: 'u1', messageId: 'm1', event: '購入完了', properties: { a: 1 } },
      'track',
      NODE_SENT_AT,
    )
    const result = rows(message)
    assert.deepEqual(
      result.map((r) => r.table),
      ['tracks'],
    )
    assert.equal(result[0]?.row.event_text, '購入完了')
    assert.equal(Object.hasOwn(result[0]!.row, 'event'), false)
  })

  test('the event column is the event table name, so the two join', () => {
    const message = stored({ userId: 'u1', messageId: 'm1', event: 'Open' }, 'track', NODE_SENT_AT)
    const [tracks, event] = rows(message)
    assert.equal(tracks?.row.event, '_open')
    assert.equal(event?.table, '_open')
  })
})
