import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  decodeItem,
  decodeParked,
  encodeItem,
  encodeParked,
  encodeUnparked,
  type EncodedItem,
} from './jetstream-queue-items.ts'

const stored = ({ payload, headers }: EncodedItem) => ({ headers, data: payload })

test('a queue item survives encoding: text or bytes, enqueue time', () => {
  for (const value of ['{"n":1}', 'ünï', '', new Uint8Array([0, 1, 255])]) {
    const item = decodeItem(7, stored(encodeItem(value, 1_700_000_000_123)), 2, 'HTTP 503')
    assert.deepEqual(
      { ...item, value: undefined },
      { id: 7, value: undefined, attempts: 2, enqueuedAt: 1_700_000_000_123, lastError: 'HTTP 503' },
    )
    if (typeof value === 'string') assert.equal(item.value, value)
    else assert.deepEqual([...(item.value as Uint8Array)], [...value])
  }
})

test('a parked copy carries attempts and reason; an unparked one starts over with its enqueue time', () => {
  const original = stored(encodeItem(new Uint8Array([9, 8]), 1_000))
  const parked = decodeParked(3, stored(encodeParked(original, 4, 'gave up:\r\n500 ünï')))
  assert.equal(parked.id, 3)
  assert.equal(parked.attempts, 4)
  assert.equal(parked.lastError, 'gave up:\r\n500 ünï')
  assert.equal(parked.enqueuedAt, 1_000)
  assert.deepEqual([...(parked.value as Uint8Array)], [9, 8])

  const back = decodeParked(12, stored(encodeUnparked(stored(encodeParked(original, 4, 'x')))))
  assert.deepEqual(
    { ...back, value: undefined },
    {
      id: 12,
      value: undefined,
      attempts: 0,
      enqueuedAt: 1_000,
      lastError: undefined,
    },
  )
  assert.deepEqual([...(back.value as Uint8Array)], [9, 8])
})
