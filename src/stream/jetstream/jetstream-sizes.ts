import type { JetStreamContext } from './jetstream-connection.ts'
import { JetStreamCursor } from './jetstream-cursor.ts'
import { messageSize } from './jetstream-records.ts'
import type { TopicState } from './jetstream-topics.ts'

/** Headers read per topic per update, so that a look at the backlog stays short (about 0.2 s). */
const CATCH_UP_LIMIT = 10_000

/**
 * Value bytes of each topic's records after its slowest group, as running totals, so that any
 * group's lag in bytes is one subtraction. (The server reports stored bytes for a whole stream
 * only, headers and overhead included; the SQLite adapter keeps running totals in its rows.)
 *
 * Filled from a headers-only cursor: the server sends each record's headers with its value size in
 * `Nats-Msg-Size`, never the value. Each process keeps its own totals and catches up on what every
 * process appended since its last look, at most `CATCH_UP_LIMIT` records a look; they cover only
 * the backlog (8 bytes a record), which the backlog limit bounds. Until caught up (a large backlog
 * when the process starts, a group registered far behind the others), the records not yet counted
 * are estimated at the average size of those counted.
 */
export class ValueSizes {
  readonly #ctx: JetStreamContext
  readonly #topics = new Map<string, TopicSizes>()

  constructor(ctx: JetStreamContext) {
    this.#ctx = ctx
  }

  /** Brings a topic's totals towards its newest record, covering what comes after `floor`. */
  async update(state: TopicState, floor: number): Promise<void> {
    const from = Math.max(floor, state.firstSeq - 1)
    let sizes = this.#topics.get(state.topic)
    const recount =
      sizes !== undefined && from < sizes.totals.origin && sizes.totals.origin - from <= CATCH_UP_LIMIT
    if (sizes === undefined || recount) {
      await sizes?.cursor?.close()
      sizes = {
        totals: new RunningTotals(from),
        cursor: undefined,
        cursorAt: 0,
        lastSeq: 0,
        storedAverage: 0,
      }
      this.#topics.set(state.topic, sizes)
    }
    sizes.totals.trimTo(from)
    sizes.lastSeq = state.lastSeq
    sizes.storedAverage = state.messages > 0 ? state.bytes / state.messages : 0
    let budget = CATCH_UP_LIMIT
    while (sizes.totals.through < state.lastSeq && budget > 0) {
      const next = sizes.totals.through + 1
      if (sizes.cursor === undefined || !sizes.cursor.usable || sizes.cursorAt !== next) {
        await sizes.cursor?.close()
        sizes.cursor = await JetStreamCursor.open(this.#ctx, state.stream, next, { headersOnly: true })
        sizes.cursorAt = next
      }
      const want = Math.min(state.lastSeq - sizes.totals.through, budget)
      let messages = await sizes.cursor.pull(want, 0)
      // A fresh consumer's `no_wait` pull can answer "no messages" before it has loaded what is
      // stored; one short wait tells that apart from records removed meanwhile.
      if (messages.length === 0) messages = await sizes.cursor.pull(want, 250)
      for (const message of messages) sizes.totals.push(message.seq, messageSize(message.headers))
      sizes.cursorAt = sizes.totals.through + 1
      budget -= messages.length
      // Nothing came: the rest was removed meanwhile (or the cursor broke); the next update goes on.
      if (messages.length === 0) break
    }
  }

  /** Value bytes of the topic's records after `offset`, as of the last update. */
  bytesAfter(topic: string, offset: number): number {
    const sizes = this.#topics.get(topic)
    return sizes?.totals.estimateAfter(offset, sizes.lastSeq, sizes.storedAverage) ?? 0
  }

  /** Forgets topics whose streams are gone. */
  async keepOnly(topics: ReadonlySet<string>): Promise<void> {
    for (const [topic, sizes] of [...this.#topics]) {
      if (topics.has(topic)) continue
      this.#topics.delete(topic)
      await sizes.cursor?.close()
    }
  }

  async closeAll(): Promise<void> {
    const cursors = [...this.#topics.values()].map((sizes) => sizes.cursor)
    this.#topics.clear()
    await Promise.all(cursors.map((cursor) => cursor?.close()))
  }
}

interface TopicSizes {
  readonly totals: RunningTotals
  cursor: JetStreamCursor | undefined
  /** The sequence the cursor delivers next. */
  cursorAt: number
  /** The newest record at the last update. */
  lastSeq: number
  /** Stored bytes per record, headers included: the estimate before any record is counted. */
  storedAverage: number
}

/** Cumulative value bytes from an origin offset on: `bytesAfter(a)` is a subtraction. */
export class RunningTotals {
  #origin: number
  /** `#totals[#start + i]` = bytes of the records in (origin, origin + i]. */
  #totals: number[] = [0]
  #start = 0

  constructor(origin: number) {
    this.#origin = origin
  }

  get origin(): number {
    return this.#origin
  }

  /** The newest offset counted. */
  get through(): number {
    return this.#origin + this.#totals.length - 1 - this.#start
  }

  /** Counts the record at `seq` (after `through`); offsets skipped on the way count 0. */
  push(seq: number, bytes: number): void {
    if (seq <= this.through) return
    const last = this.#totals.at(-1)!
    while (this.through < seq - 1) this.#totals.push(last)
    this.#totals.push(last + bytes)
  }

  bytesAfter(offset: number): number {
    const at = Math.min(Math.max(offset, this.#origin), this.through)
    return this.#totals.at(-1)! - this.#totals[this.#start + at - this.#origin]!
  }

  /**
   * Bytes after `offset` up to `lastSeq`, counting records outside the counted range (before the
   * origin, after `through`) at the average size of the counted ones, or `fallbackAverage` when none
   * is counted yet.
   */
  estimateAfter(offset: number, lastSeq: number, fallbackAverage: number): number {
    const counted = this.through - this.#origin
    const average = counted > 0 ? this.bytesAfter(this.#origin) / counted : fallbackAverage
    let bytes = this.bytesAfter(offset)
    if (offset < this.#origin) bytes += (this.#origin - offset) * average
    if (lastSeq > this.through) bytes += (lastSeq - Math.max(offset, this.through)) * average
    return Math.round(bytes)
  }

  /** Forgets everything up to `floor` (records every group has consumed). */
  trimTo(floor: number): void {
    if (floor <= this.#origin) return
    if (floor > this.through) {
      this.#origin = floor
      this.#totals = [this.#totals.at(-1)!]
      this.#start = 0
      return
    }
    this.#start += floor - this.#origin
    this.#origin = floor
    if (this.#start > 4096 && this.#start * 2 > this.#totals.length) {
      this.#totals = this.#totals.slice(this.#start)
      this.#start = 0
    }
  }
}
