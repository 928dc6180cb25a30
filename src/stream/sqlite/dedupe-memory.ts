/**
 * A dedupe id reduced to 64 bits: two 32-bit MurmurHash3-style hashes (different seeds) of topic,
 * scope and id. Two different ids of one source share a fingerprint with probability about
 * n / 2^64 for n ids in the window (10^-11 at a hundred million), well below the rate at which disks
 * lose data; SHA-1 would be no safer in practice and costs ten times as much per message.
 */
export interface Fingerprint {
  readonly hi: number
  readonly lo: number
}

export function fingerprint(topic: string, scope: string, dedupeId: string): Fingerprint {
  // The hashes of `${topic}\0${scope}\0${dedupeId}`, taken part by part: no joined string to build.
  const hashes = { hi: 0x9747b28c | 0, lo: 0x5bd1e995 | 0 }
  mixText(hashes, topic)
  mixText(hashes, '\0')
  mixText(hashes, scope)
  mixText(hashes, '\0')
  mixText(hashes, dedupeId)
  const length = topic.length + scope.length + dedupeId.length + 2
  return { hi: finish(hashes.hi, length), lo: finish(hashes.lo, length) }
}

/** MurmurHash3's x86 32-bit mixing, one UTF-16 code unit per block, for both seeds at once. */
function mixText(hashes: { hi: number; lo: number }, text: string): void {
  let hi = hashes.hi
  let lo = hashes.lo
  for (let i = 0; i < text.length; i++) {
    let k = Math.imul(text.charCodeAt(i), 0xcc9e2d51)
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593)
    hi ^= k
    hi = (Math.imul((hi << 13) | (hi >>> 19), 5) + 0xe6546b64) | 0
    lo ^= k
    lo = (Math.imul((lo << 13) | (lo >>> 19), 5) + 0xe6546b64) | 0
  }
  hashes.hi = hi
  hashes.lo = lo
}

/** MurmurHash3's finalisation: the length, then the avalanche. */
function finish(hash: number, length: number): number {
  let h = hash ^ length
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35)
  return (h ^ (h >>> 16)) | 0
}

const MIN_CAPACITY = 1024
const MAX_LOAD = 0.7

/**
 * The dedupe ids of the window, in memory: an open-addressing hash table of 64-bit fingerprints →
 * (first copy's offset, when it was appended), in typed arrays (about 25 bytes a slot, 36–90 bytes
 * per remembered id).
 *
 * Why in memory: message ids are random (UUIDs), so a durable B-tree keyed by them dirties one page
 * per insert, and SQLite writes each dirty page to the WAL on every commit. Measured: 30–90 µs per
 * id once the table holds a few hundred thousand ids, against 2–3 µs for this table plus an append-only
 * log (`stream_dedupe_log`), from which the table is rebuilt when the stream opens. NATS JetStream
 * keeps its duplicate window in memory the same way.
 *
 * Entries older than the window are ignored by `get` and dropped when the table is rebuilt on growth,
 * so memory follows the ids of one window.
 */
export class DedupeMemory {
  #capacity = 0
  #mask = 0
  #size = 0
  #used = new Uint8Array(0)
  #hi = new Int32Array(0)
  #lo = new Int32Array(0)
  #offset = new Float64Array(0)
  #appendedAt = new Float64Array(0)
  /** The highest `stream_dedupe_log.seq` reflected here: entries after it come from other processes. */
  lastSeq = 0

  constructor() {
    this.#allocate(MIN_CAPACITY)
  }

  /** Ids held, including expired ones not yet dropped. */
  get size(): number {
    return this.#size
  }

  /** The first copy's offset when `id` was appended after `windowStart`; undefined otherwise. */
  get(id: Fingerprint, windowStart: number): number | undefined {
    const slot = this.#find(id)
    if (slot < 0 || this.#appendedAt[slot]! <= windowStart) return undefined
    return this.#offset[slot]
  }

  /** Remembers `id` (replacing an expired entry of the same id). */
  set(id: Fingerprint, offset: number, appendedAt: number, windowStart: number): void {
    let slot = this.#find(id)
    if (slot < 0) {
      if (this.#size + 1 > this.#capacity * MAX_LOAD) this.#rebuild(windowStart)
      slot = ~this.#find(id)
      this.#used[slot] = 1
      this.#hi[slot] = id.hi
      this.#lo[slot] = id.lo
      this.#size += 1
    }
    this.#offset[slot] = offset
    this.#appendedAt[slot] = appendedAt
  }

  /** The slot holding `id`, or the complement (`~slot`) of the empty slot where it would go. */
  #find(id: Fingerprint): number {
    let slot = id.hi & this.#mask
    while (this.#used[slot] === 1) {
      if (this.#hi[slot] === id.hi && this.#lo[slot] === id.lo) return slot
      slot = (slot + 1) & this.#mask
    }
    return ~slot
  }

  /** Keeps the live entries only, in a table sized for twice as many. */
  #rebuild(windowStart: number): void {
    const { used, hi, lo, offset, appendedAt } = {
      used: this.#used,
      hi: this.#hi,
      lo: this.#lo,
      offset: this.#offset,
      appendedAt: this.#appendedAt,
    }
    let live = 0
    for (let i = 0; i < used.length; i++) if (used[i] === 1 && appendedAt[i]! > windowStart) live++
    let capacity = MIN_CAPACITY
    while (capacity * MAX_LOAD < (live + 1) * 2) capacity *= 2
    this.#allocate(capacity)
    for (let i = 0; i < used.length; i++) {
      if (used[i] !== 1 || appendedAt[i]! <= windowStart) continue
      const slot = ~this.#find({ hi: hi[i]!, lo: lo[i]! })
      this.#used[slot] = 1
      this.#hi[slot] = hi[i]!
      this.#lo[slot] = lo[i]!
      this.#offset[slot] = offset[i]!
      this.#appendedAt[slot] = appendedAt[i]!
      this.#size += 1
    }
  }

  #allocate(capacity: number): void {
    this.#capacity = capacity
    this.#mask = capacity - 1
    this.#size = 0
    this.#used = new Uint8Array(capacity)
    this.#hi = new Int32Array(capacity)
    this.#lo = new Int32Array(capacity)
    this.#offset = new Float64Array(capacity)
    this.#appendedAt = new Float64Array(capacity)
  }
}
