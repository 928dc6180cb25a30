/**
 * The durable event stream: named topics of ordered records, consumed by named groups that store
 * their position. Every adapter (SQLite, NATS JetStream) implements `EventStream` and
 * passes the same contract suite (`test/stream/contract.ts`).
 *
 * Guarantees every adapter gives:
 * - `append` resolves only after its records are durable (they survive `kill -9` the moment after).
 * - Records of a topic are read in append order; offsets are integers that only grow.
 * - A record whose (dedupe scope, dedupe id) was appended to the topic within the dedupe window is
 *   not appended again; `append` reports it as a duplicate, with the first copy's offset.
 * - A group reads what comes after its committed position. Positions are durable, so after a crash
 *   a group sees again what it had read but not committed: at-least-once.
 *
 * How this maps onto JetStream: a topic is a stream, the dedupe id (hashed with its scope) is the
 * `Nats-Msg-Id` header and the window is the stream's `duplicate_window`, an offset is the stream
 * sequence, and a group's position is a key in a KV bucket (`jetstream/jetstream-stream.ts`).
 */

import type { WorkQueues } from './queues.ts'

/** A record's payload: JSON text of an enriched message, or bytes. */
export type RecordValue = string | Uint8Array

/** Milliseconds since the epoch; injectable so that tests can move time. */
export interface Clock {
  now(): number
}

export const systemClock: Clock = Object.freeze({ now: () => Date.now() })

export interface AppendRecord {
  /** Partition key (the source id). Order is kept per key; one ordered log per topic keeps it. */
  readonly key: string
  readonly value: RecordValue
  /** Drops a repeat of this record within the dedupe window (Segment's `messageId`). */
  readonly dedupeId?: string
}

export interface AppendOptions {
  /** Where dedupe ids are unique (the source id). Default `''`: one scope for the whole topic. */
  readonly dedupeScope?: string
}

/** One per appended record, in the order given. */
export interface AppendResult {
  /** The record's offset; for a duplicate, the offset the first copy got. */
  readonly offset: number
  /** True when the record was not appended because its dedupe id was seen within the window. */
  readonly duplicate: boolean
}

export interface StreamRecord {
  readonly topic: string
  readonly offset: number
  readonly key: string
  /** A string when a string was appended, a `Uint8Array` (a Buffer on SQLite) for bytes. */
  readonly value: RecordValue
  /** When the record was appended, in epoch milliseconds by the stream's clock. */
  readonly appendedAt: number
}

export interface ReadOptions {
  /** At most this many records. Default 100. */
  readonly max?: number
  /** Stop adding records past this many value bytes (at least one record is returned). Default 1 MiB. */
  readonly maxBytes?: number
  /**
   * Read records after this offset instead of after the committed position, for a consumer that
   * reads ahead of what it has committed. Default: the group's committed position.
   */
  readonly after?: number
  /** When nothing is there yet, wait up to this long for records to arrive. Default 0 (no wait). */
  readonly waitMs?: number
  /** Ends a wait early; the read then returns what it has (nothing). */
  readonly signal?: AbortSignal
}

/** Why the stream refuses more writes for now. */
export type StreamLimitReason = 'backlog_records' | 'backlog_bytes' | 'free_disk'

/** What ingest asks before appending: when `accepting` is false it answers 503 with `Retry-After`. */
export interface StreamHealth {
  readonly accepting: boolean
  /** The limits that are exceeded; empty when accepting. */
  readonly overLimits: readonly StreamLimitReason[]
  /** Seconds to put in `Retry-After` while not accepting. */
  readonly retryAfterSeconds: number
  readonly backlogRecords: number
  readonly backlogBytes: number
  /** Free bytes on the stream's disk, when the adapter stores data locally. */
  readonly freeDiskBytes: number | undefined
}

export interface GroupStats {
  readonly group: string
  readonly committedOffset: number
  /** Records after the committed position. */
  readonly lagRecords: number
  readonly lagBytes: number
}

export interface TopicStats {
  readonly topic: string
  /** Offset of the newest record (0 when the topic has none). */
  readonly headOffset: number
  /** Records still stored (not yet removed by retention). */
  readonly retainedRecords: number
  readonly retainedBytes: number
  /** Not yet consumed by the slowest group; everything retained when the topic has no group. */
  readonly backlogRecords: number
  readonly backlogBytes: number
  readonly groups: readonly GroupStats[]
}

export interface StreamStats extends StreamHealth {
  readonly topics: readonly TopicStats[]
  /** Since open: write transactions committed (group commit makes this far lower than appends). */
  readonly transactions: number
  /** Since open: records appended, and records dropped as duplicates. */
  readonly appendedRecords: number
  readonly duplicateRecords: number
}

export interface PruneResult {
  readonly deletedRecords: number
  readonly deletedDedupeEntries: number
}

/** What differs between adapters, as data (Kysely's capability flags). */
export interface StreamCapabilities {
  readonly adapter: 'sqlite' | 'jetstream'
  /** Whether an acknowledged append also survives power loss (not only a process crash). */
  readonly survivesPowerLoss: boolean
  /** Whether processes on other machines can share the stream. */
  readonly sharedAcrossHosts: boolean
  /**
   * Whether one append's records are stored all or none, at consecutive offsets. When false, an
   * append that fails may have stored some of its records; retrying it with the same dedupe ids
   * stores none of them twice. Absent means true.
   */
  readonly atomicAppend?: boolean
  /**
   * Whether concurrent appends share write transactions (the `groupCommit` options,
   * `stats().transactions`). When false every record is its own write. Absent means true.
   */
  readonly groupCommit?: boolean
  /**
   * Whose clock ends the dedupe window: `stream` (the `Clock` in `StreamDeps`; `prune()` deletes the
   * expired entries) or `server` (the storage server forgets ids on its own clock, and `prune()`
   * reports none). Absent means `stream`.
   */
  readonly dedupeClock?: 'stream' | 'server'
  /**
   * Whose clock ends queue leases and retry delays: `stream` (the `Clock` in `StreamDeps`, so a test
   * can move it) or `server` (the storage server's own timers: they end in real time, whatever the
   * injected clock says). `enqueuedAt` follows the stream's clock either way. Absent means `stream`.
   */
  readonly queueClock?: 'stream' | 'server'
}

export interface EventStream {
  readonly capabilities: StreamCapabilities

  /** The work queues kept alongside the topics, in the same storage (see `queues.ts`). */
  readonly queues: WorkQueues

  /**
   * Appends records to a topic and resolves once they are durable, with one result per record.
   * The records of one call are written atomically, together with their dedupe entries, where
   * `capabilities.atomicAppend` holds (not on JetStream: see there).
   */
  append(topic: string, records: readonly AppendRecord[], options?: AppendOptions): Promise<AppendResult[]>

  /**
   * Records after the group's committed position (or `options.after`), in order. The first read or
   * commit registers the group; retention keeps whatever a registered group has not committed.
   * Reading again without committing may return the same records again.
   */
  read(topic: string, group: string, options?: ReadOptions): Promise<StreamRecord[]>

  /** Durably stores the group's position: it has finished every record up to `offset`. Never moves back. */
  commit(topic: string, group: string, offset: number): Promise<void>

  /** The group's committed position (0 before its first commit). */
  position(topic: string, group: string): Promise<number>

  /** Forgets a group, so that retention no longer waits for it. */
  removeGroup(topic: string, group: string): Promise<void>

  /** Backlog and limits; cheap enough to ask on every request (adapters may cache briefly). */
  health(): Promise<StreamHealth>

  /** Health plus per-topic and per-group detail and counters. */
  stats(): Promise<StreamStats>

  /**
   * Deletes what retention allows now (records every group has committed and that are older than the
   * retention age; expired dedupe entries). Also runs periodically on its own.
   */
  prune(): Promise<PruneResult>

  /** Writes everything already appended, wakes waiting readers, and closes. Later calls reject. */
  close(): Promise<void>
}
