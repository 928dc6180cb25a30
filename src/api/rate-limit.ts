/**
 * Token-bucket rate limiting, pure: the caller passes the time. Each key (a token id, or an address
 * whose authentication failed) gets `perMinute` requests, refilled continuously. At most `maxKeys`
 * buckets are kept; the least recently used one goes first (a forgotten bucket is simply full).
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

  constructor(
    readonly perMinute: number,
    readonly maxKeys = 100_000,
  ) {
    this.#perMs = perMinute / 60_000
  }

  /** Spends one request from the key's bucket when it has one. */
  take(key: string, now: number): RateLimitVerdict {
    const bucket = this.#refill(key, now)
    const allowed = bucket.tokens >= 1
    if (allowed) bucket.tokens -= 1
    return this.#verdict(bucket, allowed, now)
  }

  /** Whether the key could spend a request now, without spending it. */
  check(key: string, now: number): RateLimitVerdict {
    const bucket = this.#refill(key, now)
    return this.#verdict(bucket, bucket.tokens >= 1, now)
  }

  #refill(key: string, now: number): Bucket {
    const bucket = this.#buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now }
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + (now - bucket.updatedAt) * this.#perMs)
    bucket.updatedAt = now
    this.#buckets.delete(key) // re-inserted last: Map order is recency order
    this.#buckets.set(key, bucket)
    if (this.#buckets.size > this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!)
    return bucket
  }

  #verdict(bucket: Bucket, allowed: boolean, now: number): RateLimitVerdict {
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
}
