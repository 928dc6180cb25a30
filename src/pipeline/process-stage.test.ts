import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Destination } from '../store/index.ts'
import type { StreamRecord } from '../stream/index.ts'
import { planBatch } from './process-stage.ts'
import { RoutingSnapshot } from './routing.ts'

const destination = (id: string, sourceId: string) =>
  ({
    id,
    sourceId,
    workspaceId: 'w',
    metadataId: 'm',
    name: id,
    enabled: true,
    settings: {},
  }) as unknown as Destination
const record = (offset: number, key: string): StreamRecord => ({
  topic: 'ingest',
  offset,
  key,
  value: `{"n":${offset}}`,
  appendedAt: 0,
})

test('each record goes to every destination and warehouse of its source, with its offset as dedupe id', () => {
  const routing = new RoutingSnapshot(
    [destination('d1', 's1'), destination('d2', 's1'), destination('d3', 's2')],
    [{ warehouseId: 'w1', sourceId: 's1' }],
  )
  const plan = planBatch([record(7, 's1'), record(8, 's2'), record(9, 's3')], routing)
  assert.deepEqual(
    [...plan.queues].map(([queue, items]) => [queue, items.map((i) => i.dedupeId)]),
    [
      ['deliver-d1', ['7']],
      ['deliver-d2', ['7']],
      ['deliver-d3', ['8']],
    ],
  )
  assert.deepEqual(plan.queues.get('deliver-d1')![0]!.value, '{"n":7}', 'the value is passed on as it is')
  assert.deepEqual(
    [...plan.topics].map(([topic, records]) => [topic, records.map((r) => [r.key, r.dedupeId])]),
    [['warehouse-w1', [['s1', '7']]]],
  )
  assert.equal(plan.queued, 3)
  assert.equal(plan.staged, 1)
})

test('a source without connections routes nowhere', () => {
  const plan = planBatch([record(1, 'lonely')], new RoutingSnapshot([], []))
  assert.equal(plan.queues.size + plan.topics.size, 0)
})
