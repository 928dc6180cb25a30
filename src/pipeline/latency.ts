/**
 * Delivery latency as a small fixed histogram (from ingest receiving a message to its destination
 * accepting it), so that counts from many processes and minutes add up, and percentiles are estimated
 * from the sums. Pure.
 */

/** Upper bounds (inclusive) of the histogram buckets, in ms; one more bucket holds everything above. */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 3_600_000,
])

/** The bucket index of a latency (`LATENCY_BOUNDS_MS.length` for one above the last bound). */
export function latencyBucket(ms: number): number {
  const value = Number.isFinite(ms) ? Math.max(0, ms) : Number.MAX_VALUE
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => value <= bound)
  return index === -1 ? LATENCY_BOUNDS_MS.length : index
}

/**
 * Estimates the `p`-th percentile (0 < p ≤ 1) from bucket counts, interpolating linearly inside the
 * bucket it falls in. In the open top bucket it answers the last bound (a lower bound). `undefined`
 * when the histogram is empty.
 */
export function latencyPercentile(counts: ReadonlyMap<number, number>, p: number): number | undefined {
  let total = 0
  for (const count of counts.values()) total += count
  if (total === 0) return undefined
  const rank = Math.min(1, Math.max(0, p)) * total
  let below = 0
  for (let index = 0; index <= LATENCY_BOUNDS_MS.length; index++) {
    const count = counts.get(index) ?? 0
    if (count === 0 || below + count < rank) {
      below += count
      continue
    }
    const lower = index === 0 ? 0 : LATENCY_BOUNDS_MS[index - 1]!
    const upper = LATENCY_BOUNDS_MS[index]
    if (upper === undefined) return lower
    return Math.round(lower + ((upper - lower) * (rank - below)) / count)
  }
  return LATENCY_BOUNDS_MS.at(-1)
}
