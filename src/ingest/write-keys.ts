import type { FastifyRequest } from 'fastify'
import { readWriteKey } from '../spec/index.ts'
import type { Source, Store } from '../store/index.ts'

/**
 * Write key → source, cached briefly so that each event does not cost a database query. A change
 * to a source (disabled, key removed) takes effect within `ttlMs`.
 *
 * Known keys live in an LRU of `maxKnown`; unknown keys in a separate, smaller one, so a flood of
 * made-up keys can't push real ones out. Concurrent lookups of one key share a single query.
 */
export class WriteKeyResolver {
  readonly #known = new Lru<Source>()
  readonly #unknown = new Lru<undefined>()
  readonly #inFlight = new Map<string, Promise<Source | undefined>>()

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
    private readonly maxKnown = 10_000,
    private readonly maxUnknown = 1_000,
  ) {}

  async resolve(writeKey: string): Promise<Source | undefined> {
    const now = this.now()
    const known = this.#known.get(writeKey, now)
    if (known) return known.value
    if (this.#unknown.get(writeKey, now)) return undefined
    let lookup = this.#inFlight.get(writeKey)
    if (!lookup) {
      lookup = this.store.sources.findByWriteKey(writeKey).finally(() => this.#inFlight.delete(writeKey))
      this.#inFlight.set(writeKey, lookup)
    }
    const source = await lookup
    const expiresAt = this.now() + this.ttlMs
    if (source) this.#known.set(writeKey, source, expiresAt, this.maxKnown)
    else this.#unknown.set(writeKey, undefined, expiresAt, this.maxUnknown)
    return source
  }
}

/** A map that forgets its least recently used entry past `max`, and entries past their expiry. */
class Lru<T> {
  readonly #entries = new Map<string, { value: T; expiresAt: number }>()

  get(key: string, now: number): { value: T } | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    this.#entries.delete(key)
    if (entry.expiresAt <= now) return undefined
    this.#entries.set(key, entry) // re-inserted last: Map order is recency order
    return entry
  }

  set(key: string, value: T, expiresAt: number, max: number): void {
    this.#entries.delete(key)
    this.#entries.set(key, { value, expiresAt })
    if (this.#entries.size > max) this.#entries.delete(this.#entries.keys().next().value!)
  }
}

/**
 * The write key of a request: the user name of HTTP Basic auth (what Segment's libraries send),
 * else `writeKey` in the body (older analytics.js, the pixel's data).
 */
export function writeKeyOf(request: FastifyRequest, body: unknown): string | undefined {
  const header = request.headers.authorization
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
    const user = decoded.split(':')[0]
    if (user) return user
  }
  return readWriteKey(body)
}
