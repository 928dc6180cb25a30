import assert from 'node:assert/strict'
import { test } from 'node:test'
import { LATENCY_BOUNDS_MS, latencyBucket, latencyPercentile } from './latency.ts'

const buckets: [ms: number, bucket: number][] = [
  [0, 0],
  [10, 0],
  [11, 1],
  [999, 6],
  [1000, 6],
  [3_600_000, LATENCY_BOUNDS_MS.length - 1],
  [3_600_001, LATENCY_BOUNDS_MS.length],
  [-5, 0],
  [Number.NaN, LATENCY_BOUNDS_MS.length],
]
for (const [ms, bucket] of buckets) {
  test(`latencyBucket(${ms}) = ${bucket}`, () => assert.equal(latencyBucket(ms), bucket))
}

const percentiles: [counts: [number, number][], p: number, expected: number | undefined][] = [
  [[], 0.5, undefined],
  [[[0, 10]], 0.5, 5], // all within 0–10 ms: the middle
  [[[0, 10]], 1, 10],
  [
    [
      [0, 50],
      [6, 50],
    ],
    0.5,
    10,
  ], // the 50th of 100 is the last of the first bucket
  [
    [
      [0, 50],
      [6, 50],
    ],
    0.75,
    750,
  ], // half way into 500–1000 ms
  [[[LATENCY_BOUNDS_MS.length, 3]], 0.99, 3_600_000], // open top bucket: its lower bound
]
for (const [counts, p, expected] of percentiles) {
  test(`p${p * 100} of ${JSON.stringify(counts)} ≈ ${expected}`, () =>
    assert.equal(latencyPercentile(new Map(counts), p), expected))
}
