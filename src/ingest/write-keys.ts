import type { FastifyRequest } from 'fastify'
import type { Source, Store } from '../store/index.ts'

/**
 * Write key → source, cached briefly so that each event does not cost a database query.
 * A change to a source (disabled, key removed) takes effect within `ttlMs`.
 */
export class WriteKeyResolver {
  readonly #cache = new Map<string, { source: Source | undefined; expiresAt: number }>()

  constructor(
    private readonly store: Store,
    private readonly ttlMs = 5_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async resolve(writeKey: string): Promise<Source | undefined> {
    const cached = this.#cache.get(writeKey)
    if (cached && cached.expiresAt > this.now()) return cached.source
    const source = await this.store.sources.findByWriteKey(writeKey)
    if (this.#cache.size >= this.maxEntries) this.#cache.delete(this.#cache.keys().next().value!)
    this.#cache.set(writeKey, { source, expiresAt: this.now() + this.ttlMs })
    return source
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
  const fromBody = (body as { writeKey?: unknown } | null)?.writeKey
  return typeof fromBody === 'string' && fromBody !== '' ? fromBody : undefined
}
