/**
 * The event stream on NATS JetStream, shared by every Switchyard process that names the same server
 * and namespace, on any machine.
 *
 * - A topic is a stream (`<namespace>_<topic>`, file storage, no limits); an offset is the stream
 *   sequence, which only grows and is never reused, even after retention empties the stream.
 * - `append` publishes each record and resolves after every PubAck: the server has written it (to
 *   the page cache on a single server, to a quorum of replicas in a cluster). A dedupe id becomes
 *   the `Nats-Msg-Id` (hashed with its scope) and the stream's `duplicate_window` is the dedupe
 *   window; a duplicate's PubAck names the first copy's sequence. One append's records are published
 *   together but are not atomic: a failed append may have stored some of them.
 * - A group's position is a key in the KV bucket `<namespace>_positions`, moved forward by
 *   compare-and-set. Reads go through ephemeral, in-order consumers from the position (see
 *   `jetstream-readers.ts`); waiting is the server holding the pull, so there is no polling.
 * - Retention purges each stream up to the oldest position of its groups, and not past records
 *   younger than `retention.minAgeMs` (their append time rides in a header, by the stream's clock).
 * - A work queue is a work-queue stream with a durable consumer, and a stream for parked items;
 *   leases and retry delays are the server's `ack_wait` and delayed naks (`jetstream-queues.ts`).
 * - The server forgets dedupe ids after the window on its own clock. After a server restart it
 *   rebuilds them from the records still stored: keep records for the dedupe window
 *   (`retention.minAgeMs`) to keep the window across NATS restarts, as Switchyard's runtime does.
 */
import type { WorkQueues } from '../queues.ts'
import { checkName, checkOffset, checkRecords, readLimits } from '../stream-arguments.ts'
import type { JetStreamConfig, StreamDeps, StreamOptions } from '../stream-config.ts'
import { StreamClosedError } from '../stream-errors.ts'
import { backlogOf, evaluateLimits } from '../stream-limits.ts'
import {
  systemClock,
  type AppendOptions,
  type AppendRecord,
  type AppendResult,
  type Clock,
  type EventStream,
  type PruneResult,
  type ReadOptions,
  type StreamCapabilities,
  type StreamHealth,
  type StreamRecord,
  type StreamStats,
  type TopicStats,
} from '../stream.ts'
import { connectJetStream, type JetStreamContext } from './jetstream-connection.ts'
import { GroupPositions } from './jetstream-positions.ts'
import { JetStreamQueues } from './jetstream-queues.ts'
import { JetStreamReaders } from './jetstream-readers.ts'
import { encodeRecord, messageId } from './jetstream-records.ts'
import { lastAppendedBy } from './jetstream-retention.ts'
import { ValueSizes } from './jetstream-sizes.ts'
import { slowestFloor, topicStats } from './jetstream-stats.ts'
import { JetStreamTopics } from './jetstream-topics.ts'

export class JetStreamStream implements EventStream {
  readonly capabilities: StreamCapabilities
  readonly queues: WorkQueues
  readonly #ctx: JetStreamContext
  readonly #options: StreamOptions
  readonly #clock: Clock
  readonly #onBackgroundError: (error: unknown) => void
  readonly #topics: JetStreamTopics
  readonly #positions: GroupPositions
  readonly #readers: JetStreamReaders
  readonly #sizes: ValueSizes
  /** Aborted by `close`: ends waiting reads. */
  readonly #closing = new AbortController()
  /** Every call under way, so that `close` lets them finish before closing the connection. */
  readonly #inFlight = new Set<Promise<unknown>>()
  /** `topic\0group` of groups known to be registered, to skip a KV write on later reads. */
  readonly #knownGroups = new Set<string>()
  /** The newest offset seen per topic, to check commits without asking the server each time. */
  readonly #heads = new Map<string, number>()
  readonly #retentionTimer: NodeJS.Timeout | undefined
  #pruning: Promise<PruneResult> | undefined
  #measuring: Promise<{ health: StreamHealth; topics: TopicStats[] }> | undefined
  #health: { value: StreamHealth; at: number } | undefined
  #closed = false
  #acknowledged = 0
  #appendedRecords = 0
  #duplicateRecords = 0

  private constructor(
    ctx: JetStreamContext,
    positions: GroupPositions,
    options: StreamOptions,
    deps: StreamDeps,
  ) {
    this.capabilities = Object.freeze({
      adapter: 'jetstream',
      survivesPowerLoss: ctx.replicas > 1,
      sharedAcrossHosts: true,
      atomicAppend: false,
      groupCommit: false,
      dedupeClock: 'server',
      queueClock: 'server',
    })
    this.#ctx = ctx
    this.#options = options
    this.#clock = deps.clock ?? systemClock
    this.queues = new JetStreamQueues({
      ctx,
      clock: this.#clock,
      dedupeWindowMs: options.dedupeWindowMs,
      closing: this.#closing.signal,
      track: (work) => this.#track(work),
      isClosed: () => this.#closed,
    })
    this.#onBackgroundError =
      deps.onBackgroundError ?? ((error) => console.error('stream retention failed', error))
    this.#topics = new JetStreamTopics(ctx, options.dedupeWindowMs)
    this.#positions = positions
    this.#readers = new JetStreamReaders(ctx)
    this.#sizes = new ValueSizes(ctx)
    if (options.retention.intervalMs > 0) {
      this.#retentionTimer = setInterval(() => this.#pruneInBackground(), options.retention.intervalMs)
      this.#retentionTimer.unref()
    }
  }

  /** Connects, and creates the positions bucket unless it exists. Topics' streams come on first use. */
  static async open(
    config: JetStreamConfig,
    options: StreamOptions,
    deps: StreamDeps = {},
  ): Promise<JetStreamStream> {
    const ctx = await connectJetStream(config)
    try {
      return new JetStreamStream(ctx, await GroupPositions.open(ctx), options, deps)
    } catch (e) {
      await ctx.nc.close().catch(() => {})
      throw e
    }
  }

  async append(
    topic: string,
    records: readonly AppendRecord[],
    options: AppendOptions = {},
  ): Promise<AppendResult[]> {
    checkName('topic', topic)
    checkRecords(records)
    const scope = options.dedupeScope ?? ''
    if (typeof scope !== 'string') throw new TypeError('stream dedupeScope must be a string')
    if (records.length === 0) return []
    this.#checkOpen()
    return this.#track(this.#publish(topic, records, scope))
  }

  async read(topic: string, group: string, options: ReadOptions = {}): Promise<StreamRecord[]> {
    checkName('topic', topic)
    checkName('group', group)
    const limits = readLimits(options)
    this.#checkOpen()
    return this.#track(
      (async () => {
        await this.#topics.ensure(topic)
        const after = options.after ?? (await this.#committedOrRegister(topic, group))
        if (options.after !== undefined) await this.#register(topic, group)
        const signal =
          options.signal === undefined
            ? this.#closing.signal
            : AbortSignal.any([options.signal, this.#closing.signal])
        return this.#readers.read(topic, group, after, limits, signal)
      })(),
    )
  }

  async commit(topic: string, group: string, offset: number): Promise<void> {
    checkName('topic', topic)
    checkName('group', group)
    checkOffset(offset)
    this.#checkOpen()
    return this.#track(
      (async () => {
        await this.#topics.ensure(topic)
        if (offset > (this.#heads.get(topic) ?? 0)) {
          const head = (await this.#topics.state(topic))?.lastSeq ?? 0
          this.#noteHead(topic, head)
          if (offset > head)
            throw new RangeError(`stream offset ${offset} is past the newest record of ${topic} (${head})`)
        }
        await this.#positions.advance(topic, group, offset)
        this.#knownGroups.add(`${topic}\0${group}`)
      })(),
    )
  }

  async position(topic: string, group: string): Promise<number> {
    checkName('topic', topic)
    checkName('group', group)
    this.#checkOpen()
    return this.#track(this.#positions.get(topic, group).then((offset) => offset ?? 0))
  }

  async removeGroup(topic: string, group: string): Promise<void> {
    checkName('topic', topic)
    checkName('group', group)
    this.#checkOpen()
    this.#knownGroups.delete(`${topic}\0${group}`)
    this.#readers.forget(topic, group)
    return this.#track(this.#positions.remove(topic, group))
  }

  async health(): Promise<StreamHealth> {
    this.#checkOpen()
    const cached = this.#health
    if (cached !== undefined && performance.now() - cached.at < this.#options.limits.checkIntervalMs)
      return cached.value
    return (await this.#measure()).health
  }

  async stats(): Promise<StreamStats> {
    this.#checkOpen()
    const { health, topics } = await this.#measure()
    return {
      ...health,
      topics,
      transactions: this.#acknowledged,
      appendedRecords: this.#appendedRecords,
      duplicateRecords: this.#duplicateRecords,
    }
  }

  prune(): Promise<PruneResult> {
    if (this.#pruning === undefined) {
      if (this.#closed) return Promise.reject(new StreamClosedError())
      this.#pruning = this.#track(this.#pruneAll()).finally(() => (this.#pruning = undefined))
    }
    return this.#pruning
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#retentionTimer !== undefined) clearInterval(this.#retentionTimer)
    this.#closing.abort()
    await Promise.allSettled([...this.#inFlight])
    await Promise.allSettled([this.#readers.closeAll(), this.#sizes.closeAll()])
    await this.#ctx.nc.close()
  }

  /** Publishes every record at once (in call order on one connection) and waits for all PubAcks. */
  async #publish(topic: string, records: readonly AppendRecord[], scope: string): Promise<AppendResult[]> {
    await this.#topics.ensure(topic)
    const { js, names } = this.#ctx
    const subject = names.subject(topic)
    const streamName = names.stream(topic)
    const now = this.#clock.now()
    const acks = records.map((record) => {
      const { payload, headers } = encodeRecord(record, now)
      return js.publish(subject, payload, {
        headers,
        expect: { streamName },
        ...(record.dedupeId !== undefined && { msgID: messageId(scope, record.dedupeId) }),
      })
    })
    const settled = await Promise.allSettled(acks)
    const results: AppendResult[] = []
    for (const outcome of settled) {
      if (outcome.status === 'rejected') continue
      const { seq, duplicate } = outcome.value
      this.#acknowledged += 1
      if (duplicate) this.#duplicateRecords += 1
      else this.#appendedRecords += 1
      this.#noteHead(topic, seq)
      results.push({ offset: seq, duplicate })
    }
    const failed = settled.find((outcome) => outcome.status === 'rejected')
    if (failed !== undefined) {
      // The stream may have been deleted under us: look again on the next call.
      this.#topics.forget(topic)
      throw failed.reason
    }
    return results
  }

  async #committedOrRegister(topic: string, group: string): Promise<number> {
    const committed = await this.#positions.get(topic, group)
    if (committed !== undefined) {
      this.#knownGroups.add(`${topic}\0${group}`)
      return committed
    }
    await this.#register(topic, group)
    return 0
  }

  async #register(topic: string, group: string): Promise<void> {
    const known = `${topic}\0${group}`
    if (this.#knownGroups.has(known)) return
    await this.#positions.register(topic, group)
    this.#knownGroups.add(known)
  }

  #measure(): Promise<{ health: StreamHealth; topics: TopicStats[] }> {
    this.#measuring ??= this.#track(this.#measureNow()).finally(() => (this.#measuring = undefined))
    return this.#measuring
  }

  async #measureNow(): Promise<{ health: StreamHealth; topics: TopicStats[] }> {
    // Positions first: the streams' state read after them is at least as new, so no lag is negative.
    const positions = await this.#positions.all()
    const states = await this.#topics.list()
    await this.#sizes.keepOnly(new Set(states.map((state) => state.topic)))
    const topics: TopicStats[] = []
    for (const state of states) {
      const groups = positions.get(state.topic) ?? []
      await this.#sizes.update(state, slowestFloor(state, groups))
      this.#noteHead(state.topic, state.lastSeq)
      topics.push(topicStats(state, groups, (offset) => this.#sizes.bytesAfter(state.topic, offset)))
    }
    const health = evaluateLimits(
      { ...backlogOf(topics, this.#options.limits), freeDiskBytes: undefined },
      this.#options.limits,
    )
    this.#health = { value: health, at: performance.now() }
    return { health, topics }
  }

  /**
   * Purges each topic up to its slowest group's position and the retention age. Positions are read
   * before the streams' state and only move forward, so a stale read removes less, never more.
   */
  async #pruneAll(): Promise<PruneResult> {
    const { jsm } = this.#ctx
    const { minAgeMs } = this.#options.retention
    const positions = await this.#positions.all()
    let deletedRecords = 0
    for (const state of await this.#topics.list()) {
      const groups = positions.get(state.topic) ?? []
      if (groups.length === 0 || state.messages === 0) continue
      let cut = Math.min(state.lastSeq, ...groups.map((group) => group.offset))
      if (cut < state.firstSeq) continue
      if (minAgeMs > 0)
        cut = await lastAppendedBy(this.#ctx, state.stream, state.firstSeq, cut, this.#clock.now() - minAgeMs)
      if (cut < state.firstSeq) continue
      deletedRecords += (await jsm.streams.purge(state.stream, { seq: cut + 1 })).purged
    }
    // The server forgets dedupe ids on its own (duplicate_window); there are no entries to delete.
    return { deletedRecords, deletedDedupeEntries: 0 }
  }

  #pruneInBackground(): void {
    if (this.#closed) return
    this.prune().catch((error: unknown) => {
      if (!(error instanceof StreamClosedError)) this.#onBackgroundError(error)
    })
  }

  #noteHead(topic: string, offset: number): void {
    if (offset > (this.#heads.get(topic) ?? 0)) this.#heads.set(topic, offset)
  }

  #track<T>(work: Promise<T>): Promise<T> {
    this.#inFlight.add(work)
    const settle = () => this.#inFlight.delete(work)
    work.then(settle, settle)
    return work
  }

  #checkOpen(): void {
    if (this.#closed) throw new StreamClosedError()
  }
}
