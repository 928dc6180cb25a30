import assert from 'node:assert/strict'
import { test } from 'node:test'
import { decodeRecord, deliveryInfo, encodeRecord, messageId } from './jetstream-records.ts'

test('a record survives encoding: key, append time, text or bytes', () => {
  for (const value of ['{"n":1}', 'ünï', '', new Uint8Array([0, 1, 255])]) {
    const { payload, headers } = encodeRecord({ key: 'src 1\r\n', value }, 1_700_000_000_123)
    const record = decodeRecord('ingest', { seq: 7, headers, data: payload })
    assert.equal(record.key, 'src 1\r\n')
    assert.equal(record.offset, 7)
    assert.equal(record.appendedAt, 1_700_000_000_123)
    if (typeof value === 'string') assert.equal(record.value, value)
    else assert.deepEqual([...(record.value as Uint8Array)], [...value])
  }
})

test('message ids: fixed length, per scope, with no ambiguity between scope and id', () => {
  assert.equal(messageId('s1', 'm1').length, 22)
  assert.equal(messageId('s1', 'm1'), messageId('s1', 'm1'))
  assert.notEqual(messageId('s1', 'm1'), messageId('s2', 'm1'))
  assert.notEqual(messageId('a', 'bc'), messageId('ab', 'c'))
  assert.match(messageId('', 'x'.repeat(10_000)), /^[A-Za-z0-9_-]{22}$/)
})

test('delivery info from both forms of the reply subject', () => {
  assert.deepEqual(deliveryInfo('$JS.ACK.sy_ingest.c1.1.42.7.1795333810893070836.0'), {
    streamSeq: 42,
    consumerSeq: 7,
    deliveries: 1,
  })
  assert.deepEqual(deliveryInfo('$JS.ACK.hub.ACCHASH.sy_ingest.c1.3.42.7.1795333810893070836.0.rnd'), {
    streamSeq: 42,
    consumerSeq: 7,
    deliveries: 3,
  })
  assert.equal(deliveryInfo('_INBOX.abc'), undefined)
  assert.equal(deliveryInfo(undefined), undefined)
})
