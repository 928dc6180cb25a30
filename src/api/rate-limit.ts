/**
 * Token-bucket rate limiting, pure: the caller passes the time. Each key (a token id, or an address
 * before authentication) gets `perMinute` requests, refilled continuously.
 */
export interface RateLimitVerdict {
  allowed: boolean
  limit: number
  remaining: number
  consumed: number
  /** Milliseconds until one more request is allowed (0 when allowed now). */
  msBeforeNext: number
  /** Epoch milliseconds when the bucket is full again. */
  resetAt: number
}

interface Bucket {
  tokens: number
  updatedAt: number
}

export class RateLimiter {
  readonly #buckets = new Map<string, Bucket>()
  readonly #perMs: number

  constructor(readonly perMinute: number) {
    this.#perMs = perMinute / 60_000
  }

  take(key: string, now: number): RateLimitVerdict {
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.#perMs)
    bucket.updatedAt = now
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > 100_000) this.#evictFull(now)
    const remaining = Math.floor(bucket.tokens)
    return {
      allowed,
      limit: this.perMinute,
      remaining,
      consumed: this.perMinute - remaining,
      msBeforeNext: allowed ? 0 : Math.ceil((1 - bucket.tokens) / this.#perMs),
      resetAt: now + Math.ceil((this.perMinute - bucket.tokens) / this.#perMs),
    }
  }

  /** Drops buckets that have refilled completely; they hold nothing worth remembering. */
  #evictFull(now: number): void {
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.updatedAt) * this.#perMs >= this.perMinute) this.#buckets.delete(key)
    }
  }
}
