import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { StreamRecord } from '../stream/index.ts'
import { withoutBlocked, type BlockingRules } from './process-stage.ts'

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
