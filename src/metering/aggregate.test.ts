import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { IngestEnvelope } from '../spec/index.ts'
import { aggregateUsage } from './aggregate.ts'

const envelope = (
  sourceId: string,
  receivedAt: string,
  ids: { userId?: string; anonymousId?: string },
): IngestEnvelope =>
  ({
    sourceId,
    workspaceId: 'w',
    message: { type: 'track', event: 'E', messageId: 'm', receivedAt, timestamp: receivedAt, ...ids },
  }) as IngestEnvelope

test('every message is an API call on the UTC day it was received, per source', () => {
  const delta = aggregateUsage([
    envelope('s1', '2026-11-01T23:59:59.999Z', { userId: 'u' }),
    envelope('s1', '2026-11-01T10:00:00.000Z', { userId: 'u' }),
    envelope('s1', '2026-11-02T00:00:00.000Z', { userId: 'u' }),
    envelope('s2', '2026-11-01T10:00:00.000Z', { anonymousId: 'a' }),
  ])
  assert.deepEqual(
    delta.apiCalls.map((c) => [c.sourceId, c.day, c.calls]),
    [
      ['s1', '2026-11-01', 2],
      ['s1', '2026-11-02', 1],
      ['s2', '2026-11-01', 1],
    ],
  )
})

test('identities once per source and month; an anonymousId seen with a userId is identified', () => {
  const delta = aggregateUsage([
    envelope('s1', '2026-11-01T10:00:00.000Z', { anonymousId: 'a1' }),
    envelope('s1', '2026-11-03T10:00:00.000Z', { anonymousId: 'a1', userId: 'u1' }),
    envelope('s1', '2026-11-04T10:00:00.000Z', { userId: 'u1' }),
    envelope('s1', '2026-12-01T10:00:00.000Z', { userId: 'u1' }),
    envelope('s1', '2026-11-05T10:00:00.000Z', { userId: '' }), // empty ids are not identities
  ])
  assert.deepEqual(
    delta.identities.map((i) => [i.month, i.kind, i.identity, i.day, i.identified]),
    [
      ['2026-11', 'anonymous', 'a1', '2026-11-01', true],
      ['2026-11', 'user', 'u1', '2026-11-03', false],
      ['2026-12', 'user', 'u1', '2026-12-01', false],
    ],
  )
})
