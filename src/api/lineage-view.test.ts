import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { LineageEntry } from '../store/index.ts'
import { lineageView } from './lineage-view.ts'

const entry = (at: number, e: Partial<LineageEntry>): LineageEntry => ({
  workspaceId: 'w',
  sourceId: 's',
  messageId: 'm',
  receivedAt: Date.parse('2026-03-01T09:59:59Z'),
  at: Date.parse('2026-03-01T10:00:00Z') + at,
  seq: at,
  stage: 'deliver',
  destinationId: '',
  outcome: '',
  code: '',
  detail: '',
  ...e,
})

test('lineage starts at reception, lists every step, and says where each destination stands', () => {
  const view = lineageView(
    's',
    'm',
    [
      entry(100, {
        stage: 'process',
        outcome: 'routed',
        detail: 'queued for 3 destinations',
        data: { destinationIds: ['a', 'b', 'c'], receivedAt: '2026-03-01T09:59:59.000Z' },
      }),
      entry(200, {
        destinationId: 'a',
        outcome: 'retrying',
        code: '500',
        data: { attempt: 1, nextAttemptAt: 'x' },
      }),
      entry(300, {
        destinationId: 'b',
        outcome: 'filtered',
        code: 'unsupported_event_type',
        detail: 'no alias',
      }),
      entry(400, {
        destinationId: 'a',
        outcome: 'delivered',
        code: '200',
        data: { attempt: 2, status: 200 },
      }),
    ],
    new Map([
      ['a', 'Hook A'],
      ['b', 'Hook B'],
    ]),
  )
  assert.equal(view.receivedAt, '2026-03-01T09:59:59.000Z')
  assert.deepEqual(
    view.events.map((e) => `${e.stage}/${e.outcome}${e.destinationId ? `@${e.destinationId}` : ''}`),
    ['ingest/received', 'process/routed', 'deliver/retrying@a', 'deliver/filtered@b', 'deliver/delivered@a'],
  )
  assert.deepEqual(view.events[1]!.destinationIds, ['a', 'b', 'c'])
  assert.equal(view.events[1]!.receivedAt, undefined, 'shown once, as the first event')
  assert.equal(view.events[4]!.status, 200)
  assert.deepEqual(
    view.destinations.map((d) => [d.destinationId, d.destinationName, d.outcome, d.code, d.attempts]),
    [
      ['a', 'Hook A', 'delivered', '200', 2],
      ['b', 'Hook B', 'filtered', 'unsupported_event_type', 0],
      ['c', null, 'queued', null, 0],
    ],
  )
})
