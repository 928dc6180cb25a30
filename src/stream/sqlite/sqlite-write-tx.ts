import type { EnqueueItem } from '../queues.ts'
import type { AppendRecord, AppendResult } from '../stream.ts'
import { fingerprint, type DedupeMemory, type Fingerprint } from './dedupe-memory.ts'
import type { QueueItemRow, StreamStatements, TopicRow } from './sqlite-statements.ts'

/**
 * The only way to change the stream's tables (as jobsdb's `StoreSafeTx`): the group-commit writer
 * makes one inside its write transaction and passes it to each queued write. Nothing here commits;
 * every method assumes the transaction is open.
 */
export class SqliteWriteTx {
  readonly #sql: StreamStatements
  readonly #now: number
  readonly #dedupe: DedupeMemory
  /**
   * Dedupe ids claimed in this transaction, by the high half of their fingerprint (ids sharing it
   * are chained): they reach `#dedupe` only once it commits.
   */
  readonly #claimed = new Map<number, Claim>()
  /** Dedupe log rows of claims not yet inserted (flat, four values a row): written per call, many per statement. */
  #unloggedClaims: number[] = []
  #lastClaimSeq = 0
  #caughtUp = false
  /** Topics that got records and queues (`queueWakeKey`) that got due items, to wake their readers after the commit. */
  readonly appendedTopics = new Set<string>()

  constructor(sql: StreamStatements, now: number, dedupe: DedupeMemory) {
    this.#sql = sql
    this.#now = now
    this.#dedupe = dedupe
  }

  /** After the commit: the ids claimed here join the in-memory table. */
  committed(dedupeWindowMs: number): void {
    if (this.#claimed.size === 0) return
    const windowStart = this.#now - dedupeWindowMs
    for (const first of this.#claimed.values())
      for (let claim: Claim | undefined = first; claim !== undefined; claim = claim.next)
        this.#dedupe.set(claim.id, claim.offset, this.#now, windowStart)
    this.#dedupe.lastSeq = this.#lastClaimSeq
  }

  /**
   * Appends records in order, skipping those whose dedupe id is in the window (also repeats within
   * the same call). The dedupe entries are written in the same transaction as the records.
   */
  append(
    topic: string,
    records: readonly AppendRecord[],
    /** Each record's value bytes (`valueBytes`), measured once by the caller. */
    sizes: readonly number[],
    dedupeScope: string,
    dedupeWindowMs: number,
  ): AppendResult[] {
    const row = this.#topic(topic)
    let head = row.head_offset
    let totalBytes = row.total_bytes
    const windowStart = this.#now - dedupeWindowMs
    const results: AppendResult[] = []
    const rows: unknown[] = []
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!
      const offset = head + 1
      if (record.dedupeId !== undefined) {
        const first = this.#claimDedupe(topic, dedupeScope, record.dedupeId, windowStart, () => offset)
        if (first !== undefined) {
          results.push({ offset: first, duplicate: true })
          continue
        }
      }
      head = offset
      totalBytes += sizes[i]!
      rows.push(topic, head, this.#now, totalBytes, record.key, record.value)
      results.push({ offset: head, duplicate: false })
    }
    this.#sql.insertRecords.run(rows)
    this.#logClaims()
    if (head !== row.head_offset) {
      this.#sql.advanceHead.run(head, totalBytes, topic)
      this.appendedTopics.add(topic)
    }
    return results
  }

  /** Adds queue items (skipping repeated dedupe ids); returns how many were added. */
  enqueue(queue: string, items: readonly EnqueueItem[], dedupeScope: string, dedupeWindowMs: number): number {
    const windowStart = this.#now - dedupeWindowMs
    let enqueued = 0
    for (const item of items) {
      const insert = () =>
        Number(this.#sql.insertItem.run(queue, this.#now, this.#now, item.value).lastInsertRowid)
      if (item.dedupeId === undefined) insert()
      else if (
        this.#claimDedupe(`queue:${queue}`, dedupeScope, item.dedupeId, windowStart, insert) !== undefined
      )
        continue
      enqueued += 1
    }
    this.#logClaims()
    if (enqueued > 0) this.appendedTopics.add(queueWakeKey(queue))
    return enqueued
  }

  claim(queue: string, max: number, leaseMs: number): QueueItemRow[] {
    return this.#sql.claimItems.all(this.#now + leaseMs, queue, this.#now, max)
  }

  ack(queue: string, ids: readonly number[]): void {
    for (const id of ids) this.#sql.deleteItem.run(queue, id)
  }

  retry(queue: string, id: number, delayMs: number, error: string): void {
    this.#sql.retryItem.run(this.#now + delayMs, error, queue, id)
    if (delayMs <= 0) this.appendedTopics.add(queueWakeKey(queue))
  }

  park(queue: string, ids: readonly number[], error: string): void {
    for (const id of ids) this.#sql.parkItem.run(error, queue, id)
  }

  unpark(queue: string, ids: readonly number[]): number {
    let count = 0
    for (const id of ids) count += this.#sql.unparkItem.run(this.#now, queue, id).changes
    if (count > 0) this.appendedTopics.add(queueWakeKey(queue))
    return count
  }

  purge(queue: string): number {
    return this.#sql.purgeQueue.run(queue).changes
  }

  /** Registers a group at the oldest retained record, unless it exists. */
  registerGroup(topic: string, group: string): void {
    const row = this.#topic(topic)
    this.#sql.insertGroup.run(topic, group, row.pruned_offset, row.pruned_bytes, this.#now)
  }

  /** Moves a group's position forward to `offset` (registering the group); never back. */
  commit(topic: string, group: string, offset: number): void {
    const row = this.#topic(topic)
    if (offset > row.head_offset)
      throw new RangeError(
        `cannot commit offset ${offset} of topic ${topic}: its newest is ${row.head_offset}`,
      )
    this.registerGroup(topic, group)
    if (offset <= this.#sql.group.get(topic, group)!.committed_offset) return
    const endBytes =
      offset <= row.pruned_offset ? row.pruned_bytes : this.#sql.recordEndBytes.get(topic, offset)!.end_bytes
    this.#sql.updateGroup.run(offset, endBytes, this.#now, topic, group)
  }

  removeGroup(topic: string, group: string): void {
    this.#sql.deleteGroup.run(topic, group)
  }

  /**
   * Deletes up to `batchSize` of the oldest records that every group has committed and that were
   * appended at or before `cutoff`. Topics without groups keep everything. Returns how many.
   */
  pruneRecords(topic: string, cutoff: number, batchSize: number): number {
    const row = this.#topic(topic)
    const slowest = this.#sql.slowestGroup.get(topic)?.committed_offset
    if (slowest == null) return 0
    const upTo = Math.min(slowest, row.pruned_offset + batchSize)
    if (upTo <= row.pruned_offset) return 0
    const last = this.#sql.lastPrunable.get(topic, row.pruned_offset, upTo, cutoff)
    if (last === undefined) return 0
    const deleted = this.#sql.deleteRecords.run(topic, row.pruned_offset, last.record_offset).changes
    this.#sql.advancePruned.run(last.record_offset, last.end_bytes, topic)
    return deleted
  }

  /** Deletes up to `batchSize` dedupe log entries appended at or before `cutoff`. */
  pruneDedupe(cutoff: number, batchSize: number): number {
    return this.#sql.deleteExpiredDedupe.run(batchSize, cutoff).changes
  }

  /**
   * Returns the first copy's offset when the id was claimed within the window (or earlier in this
   * transaction); otherwise calls `add` for the new record's offset and logs the claim with it.
   */
  #claimDedupe(
    namespace: string,
    scope: string,
    dedupeId: string,
    windowStart: number,
    add: () => number,
  ): number | undefined {
    this.#catchUp(windowStart)
    const id = fingerprint(namespace, scope, dedupeId)
    const sameHi = this.#claimed.get(id.hi)
    const first = claimedOffset(sameHi, id) ?? this.#dedupe.get(id, windowStart)
    if (first !== undefined) return first
    const offset = add()
    this.#unloggedClaims.push(this.#now, id.hi, id.lo, offset)
    this.#claimed.set(id.hi, { id, offset, next: sameHi })
    return undefined
  }

  /** Writes the dedupe log rows of the claims made since the last call. */
  #logClaims(): void {
    if (this.#unloggedClaims.length === 0) return
    this.#lastClaimSeq = this.#sql.insertDedupe.run(this.#unloggedClaims)
    this.#unloggedClaims = []
  }

  /**
   * Another process sharing the file may have claimed ids since this one last wrote. Holding the
   * write lock, read those claims into memory once per transaction; they are committed already.
   */
  #catchUp(windowStart: number): void {
    if (this.#caughtUp) return
    this.#caughtUp = true
    for (const row of this.#sql.dedupeAfter.iterate(this.#dedupe.lastSeq, windowStart)) {
      const id = { hi: row.fingerprint_hi, lo: row.fingerprint_lo }
      this.#dedupe.set(id, row.record_offset, row.appended_at, windowStart)
      this.#dedupe.lastSeq = row.seq
    }
  }

  #topic(topic: string): TopicRow {
    const row = this.#sql.topic.get(topic)
    if (row !== undefined) return row
    this.#sql.insertTopic.run(topic)
    return { topic, head_offset: 0, total_bytes: 0, pruned_offset: 0, pruned_bytes: 0 }
  }
}

/** A dedupe id claimed in the open transaction, and the next claim whose fingerprint has the same `hi`. */
interface Claim {
  readonly id: Fingerprint
  readonly offset: number
  readonly next: Claim | undefined
}

function claimedOffset(claim: Claim | undefined, id: Fingerprint): number | undefined {
  for (; claim !== undefined; claim = claim.next) if (claim.id.lo === id.lo) return claim.offset
  return undefined
}

/** What a queue's waiting claimers are woken by (topic names have no `:`). */
export const queueWakeKey = (queue: string): string => `queue:${queue}`
