import assert from 'node:assert/strict'
import { test } from 'node:test'
import { RunningTotals } from './jetstream-sizes.ts'

test('running totals: bytes after an offset are a subtraction; skipped offsets count 0', () => {
  const totals = new RunningTotals(10)
  totals.push(11, 5)
  totals.push(12, 7)
  totals.push(15, 3) // 13 and 14 were removed
  assert.equal(totals.through, 15)
  assert.deepEqual(
    [10, 11, 12, 13, 14, 15].map((offset) => totals.bytesAfter(offset)),
    [15, 10, 3, 3, 3, 0],
  )
  totals.push(12, 100) // already counted: ignored
  assert.equal(totals.bytesAfter(10), 15)
})

test('running totals: trimming forgets what every group consumed, and may pass the end', () => {
  const totals = new RunningTotals(0)
  for (let seq = 1; seq <= 10_000; seq++) totals.push(seq, 2)
  totals.trimTo(9_000)
  assert.equal(totals.origin, 9_000)
  assert.equal(totals.bytesAfter(9_000), 2_000)
  assert.equal(totals.bytesAfter(5), 2_000, 'clamped to the origin')
  totals.trimTo(20_000)
  assert.equal(totals.through, 20_000)
  assert.equal(totals.bytesAfter(20_000), 0)
  totals.push(20_001, 9)
  assert.equal(totals.bytesAfter(20_000), 9)
})

test('running totals: records not counted yet are estimated at the average counted size', () => {
  const totals = new RunningTotals(100)
  totals.push(101, 10)
  totals.push(102, 30)
  // 5 more records up to 107 at 20 bytes each, 50 before the origin at 20 each.
  assert.equal(totals.estimateAfter(100, 107, 999), 40 + 100)
  assert.equal(totals.estimateAfter(50, 107, 999), 1_000 + 40 + 100)
  assert.equal(totals.estimateAfter(105, 107, 999), 40)
  assert.equal(new RunningTotals(0).estimateAfter(0, 4, 250), 1_000, 'nothing counted: the fallback')
})
