import type { Clock } from './stream.ts'

const MIB = 1024 * 1024
const GIB = 1024 * MIB
const HOUR_MS = 60 * 60 * 1000

/**
 * How a group commit is formed: concurrent writes that arrive within `windowMs` of the first one go
 * into one transaction, so one durable sync acknowledges all of them. A group closes early when it
 * reaches `maxRecords` or `maxBytes`; one append call is never split.
 */
export interface GroupCommitConfig {
  /**
   * Milliseconds to wait for more writes after the first one. 0 = write at the end of the current
   * event-loop turn; writes that arrive while a transaction is syncing form the next group anyway.
   * Default 0.
   */
  readonly windowMs: number
  /** Records per transaction before it is closed early. Default 1000 (about 15 ms of event-loop time). */
  readonly maxRecords: number
  /** Value bytes per transaction before it is closed early. Default 2 MiB. */
  readonly maxBytes: number
}

/** When the stream tells ingest to stop (503 with `Retry-After`) rather than lose data. */
export interface StreamLimitsConfig {
  /** Backlog records (not consumed by the slowest group, summed over topics). Default 5,000,000. */
  readonly maxBacklogRecords: number
  /** Backlog value bytes. Default 5 GiB. */
  readonly maxBacklogBytes: number
  /** Free bytes that must remain on the data directory's disk. Default 1 GiB. */
  readonly minFreeDiskBytes: number
  /** `Retry-After` while over a limit. Default 5 seconds. */
  readonly retryAfterSeconds: number
  /** `health()` reuses its last answer for this long. Default 1000 ms. */
  readonly checkIntervalMs: number
  /**
   * Which topics' backlogs count toward the limits. Default: every topic. Topics meant to fill up
   * between scheduled readers (a warehouse's staging, read by hourly syncs) are better left out:
   * their growth is bounded by the free-disk limit, not by refusing new events.
   */
  readonly countsTowardBacklog?: (topic: string) => boolean
}

/** What is deleted, and how often. */
export interface RetentionConfig {
  /** Keep records at least this long even when every group has committed them. Default 0. */
  readonly minAgeMs: number
  /** How often retention runs on its own; 0 turns the timer off (call `prune()`). Default 10 s. */
  readonly intervalMs: number
  /** Records (or dedupe entries) deleted per transaction, to keep each lock short. Default 5000. */
  readonly batchSize: number
}

/** Settings every adapter shares. */
export interface StreamOptions {
  /** How long a dedupe id is remembered. Default and minimum 24 hours (Segment's rule). */
  readonly dedupeWindowMs: number
  readonly groupCommit: GroupCommitConfig
  readonly limits: StreamLimitsConfig
  readonly retention: RetentionConfig
  /** A waiting reader checks for records appended by other processes this often. Default 250 ms. */
  readonly pollIntervalMs: number
}

/**
 * `full`: an acknowledged append survives power loss (the WAL is fsynced after every group commit,
 * before any of its writes is acknowledged). `normal`: it survives a process crash but maybe not power loss (`synchronous=NORMAL`
 * in WAL mode: no fsync on commit).
 */
export type StreamDurability = 'full' | 'normal'

export interface SqliteStreamConfig {
  readonly kind: 'sqlite'
  /** Directory of the database file; free disk space is measured here. */
  readonly dataDir: string
  /** Default `stream.sqlite`. */
  readonly fileName?: string
  /** Default `full`. */
  readonly durability?: StreamDurability
}

/**
 * The stream on NATS JetStream, shared by every process that names the same server and namespace.
 * See `jetstream/jetstream-stream.ts` for how topics, offsets, groups and dedupe map onto it.
 */
export interface JetStreamConfig {
  readonly kind: 'jetstream'
  /**
   * `nats://[user:password@]host:port[/namespace][?replicas=3]`; several servers of one cluster
   * separated by commas. A user name without a password is sent as a token. The path names the
   * namespace: the prefix of every stream and bucket name, so that several installs (or test runs)
   * can share one NATS account. Letters, digits and `-`, up to 32 characters. Default namespace
   * `switchyard`.
   */
  readonly url: string
  /**
   * Copies of each stream and of the positions bucket: 1 on a single server, 3 (or 5) in a
   * cluster. With more than one, an acknowledged append survives the loss of a machine. Default:
   * the url's `?replicas=`, else 1.
   */
  readonly replicas?: number
  /** Milliseconds to wait for a publish acknowledgement or a JetStream API answer. Default 5000. */
  readonly timeoutMs?: number
}

/** Adapter settings plus any shared option to override. */
export type StreamConfig = (SqliteStreamConfig | JetStreamConfig) & StreamOverrides

export interface StreamOverrides {
  readonly dedupeWindowMs?: number
  readonly groupCommit?: Partial<GroupCommitConfig>
  readonly limits?: Partial<StreamLimitsConfig>
  readonly retention?: Partial<RetentionConfig>
  readonly pollIntervalMs?: number
}

/** What the stream needs from its surroundings. */
export interface StreamDeps {
  /** Default: the system clock. */
  readonly clock?: Clock
  /** Failures of background work (periodic retention); default writes them to stderr. */
  readonly onBackgroundError?: (error: unknown) => void
  /** How the SQLite stream syncs its WAL file with durability `full`; default `fs.fdatasync` (tests slow or fail it). */
  readonly fdatasync?: FileSync
}

export type FileSync = (fd: number, callback: (error: NodeJS.ErrnoException | null) => void) => void

export const MIN_DEDUPE_WINDOW_MS = 24 * HOUR_MS

export const STREAM_DEFAULTS: StreamOptions = Object.freeze({
  dedupeWindowMs: MIN_DEDUPE_WINDOW_MS,
  groupCommit: Object.freeze({ windowMs: 0, maxRecords: 1000, maxBytes: 2 * MIB }),
  limits: Object.freeze({
    maxBacklogRecords: 5_000_000,
    maxBacklogBytes: 5 * GIB,
    minFreeDiskBytes: GIB,
    retryAfterSeconds: 5,
    checkIntervalMs: 1000,
  }),
  retention: Object.freeze({ minAgeMs: 0, intervalMs: 10_000, batchSize: 5000 }),
  pollIntervalMs: 250,
})

/** Fills in defaults and checks every number; throws `RangeError` naming the setting. */
export function resolveStreamOptions(overrides: StreamOverrides): StreamOptions {
  const options: StreamOptions = Object.freeze({
    dedupeWindowMs: overrides.dedupeWindowMs ?? STREAM_DEFAULTS.dedupeWindowMs,
    groupCommit: Object.freeze({ ...STREAM_DEFAULTS.groupCommit, ...overrides.groupCommit }),
    limits: Object.freeze({ ...STREAM_DEFAULTS.limits, ...overrides.limits }),
    retention: Object.freeze({ ...STREAM_DEFAULTS.retention, ...overrides.retention }),
    pollIntervalMs: overrides.pollIntervalMs ?? STREAM_DEFAULTS.pollIntervalMs,
  })
  if (!(options.dedupeWindowMs >= MIN_DEDUPE_WINDOW_MS))
    throw new RangeError(`stream dedupeWindowMs must be at least ${MIN_DEDUPE_WINDOW_MS} (24 hours)`)
  const checks: [string, number, number][] = [
    ['groupCommit.windowMs', options.groupCommit.windowMs, 0],
    ['groupCommit.maxRecords', options.groupCommit.maxRecords, 1],
    ['groupCommit.maxBytes', options.groupCommit.maxBytes, 1],
    ['limits.maxBacklogRecords', options.limits.maxBacklogRecords, 0],
    ['limits.maxBacklogBytes', options.limits.maxBacklogBytes, 0],
    ['limits.minFreeDiskBytes', options.limits.minFreeDiskBytes, 0],
    ['limits.retryAfterSeconds', options.limits.retryAfterSeconds, 1],
    ['limits.checkIntervalMs', options.limits.checkIntervalMs, 0],
    ['retention.minAgeMs', options.retention.minAgeMs, 0],
    ['retention.intervalMs', options.retention.intervalMs, 0],
    ['retention.batchSize', options.retention.batchSize, 1],
    ['pollIntervalMs', options.pollIntervalMs, 1],
  ]
  for (const [name, value, min] of checks) {
    if (!Number.isFinite(value) || value < min)
      throw new RangeError(`stream ${name} must be a number ≥ ${min}`)
  }
  return options
}
