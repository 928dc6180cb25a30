import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StreamRecord } from '../stream/index.ts'
import {
  parseEnvelope,
  parseOnce,
  routedMessages,
  withoutBlocked,
  type BlockingRules,
} from './process-stage.ts'
import { RoutingSnapshot } from './routing.ts'

const record = (offset: number, key: string, message: unknown): StreamRecord => ({
  topic: 'ingest',
  offset,
  key,
  value: typeof message === 'string' ? message : JSON.stringify({ sourceId: key, workspaceId: 'w', message }),
  appendedAt: 0,
})

const rules: BlockingRules = {
  blocksAny: (sourceId) => sourceId === 's1',
  isBlocked: (sourceId, message) => sourceId === 's1' && message.type === 'track' && message.event === 'Spam',
}

test('blocked messages are dropped before routing; other sources are not even parsed', () => {
  const records = [
    record(1, 's1', { type: 'track', event: 'Spam' }),
    record(2, 's1', { type: 'track', event: 'Signed Up' }),
    record(3, 's2', 'not JSON, but s2 blocks nothing'),
    record(4, 's1', 'unreadable: passed on as it is'),
  ]
  assert.deepEqual(
    withoutBlocked(records, rules).map((r) => r.offset),
    [2, 3, 4],
  )
})

test('a batch parses each record once, for blocking and for the routed-messages hook alike', () => {
  const records = [
    record(1, 's1', { type: 'track', event: 'Spam', messageId: 'm1' }),
    record(2, 's1', { type: 'track', event: 'Signed Up', messageId: 'm2' }),
    record(3, 's2', { type: 'track', event: 'Spam', messageId: 'm3' }),
  ]
  const parsed: number[] = []
  const parse = parseOnce((r) => {
    parsed.push(r.offset)
    return parseEnvelope(r)
  })
  const routable = withoutBlocked(records, rules, parse)
  const routed = routedMessages(routable, new RoutingSnapshot([], []), parse)
  assert.deepEqual(
    routed.map((m) => m.message.messageId),
    ['m2', 'm3'],
  )
  assert.deepEqual(parsed, [1, 2, 3], 'once each, s2 only when routed')
})
