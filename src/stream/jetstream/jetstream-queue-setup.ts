import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  millis,
  nanos,
  RetentionPolicy,
  StorageType,
  type ConsumerInfo,
  type StreamConfig,
  type StreamInfo,
} from 'nats'
import {
  apiErrorCode,
  CONSUMER_NOT_FOUND,
  STREAM_NAME_IN_USE,
  STREAM_NOT_FOUND,
  type JetStreamContext,
} from './jetstream-connection.ts'

/** The consumer's `ack_wait` when an enqueue creates it before any claim names a lease. */
export const DEFAULT_LEASE_MS = 30_000

/**
 * What a queue needs on the server, made on first use by whichever process gets there first:
 *
 * - the work stream `<namespace>_q_<queue>`: work-queue retention (an acknowledged message is
 *   deleted), file storage, `duplicate_window` = the dedupe window (a longer configured window or
 *   more replicas widen an existing stream);
 * - its durable pull consumer `claims`: explicit acks, `ack_wait` = the lease, no limit on
 *   deliveries (attempts are counted apart) or on outstanding claims;
 * - the parked stream `<namespace>_qp_<queue>`: one subject per parked item, keeping one message per
 *   subject, so parking an item twice keeps one copy.
 *
 * `ack_wait` is the consumer's, not a claim's: a claim that names another lease changes it for the
 * queue, and the server applies it to every item handed out and not yet finished.
 */
export class JetStreamQueueSetup {
  readonly #ctx: JetStreamContext
  readonly #dedupeWindowMs: number
  readonly #ready = new Map<string, Promise<void>>()
  /** The consumer's `ack_wait` per queue, as this process last saw or set it. */
  readonly #ackWaitMs = new Map<string, number>()

  constructor(ctx: JetStreamContext, dedupeWindowMs: number) {
    this.#ctx = ctx
    this.#dedupeWindowMs = dedupeWindowMs
  }

  /** Resolves once the queue's streams and consumer exist. */
  ensure(queue: string, leaseMs = DEFAULT_LEASE_MS): Promise<void> {
    let ready = this.#ready.get(queue)
    if (ready === undefined) {
      ready = this.#create(queue, leaseMs)
      this.#ready.set(queue, ready)
      ready.catch(() => this.#ready.delete(queue))
    }
    return ready
  }

  /**
   * As `ensure`, and sets the consumer's `ack_wait` to `leaseMs` unless this process saw it set so
   * (another process setting another lease goes unnoticed: one lease per queue).
   */
  async lease(queue: string, leaseMs: number): Promise<void> {
    await this.ensure(queue, leaseMs)
    if (this.#ackWaitMs.get(queue) === leaseMs) return
    const { jsm, names } = this.#ctx
    this.#ackWaitMs.set(queue, leaseMs)
    try {
      await jsm.consumers.update(names.queueStream(queue), names.queueConsumer, { ack_wait: nanos(leaseMs) })
    } catch (e) {
      this.#ackWaitMs.delete(queue)
      throw e
    }
  }

  /** Forgets what exists (it may have been deleted under us): the next `ensure` checks again. */
  forget(queue: string): void {
    this.#ready.delete(queue)
    this.#ackWaitMs.delete(queue)
  }

  async #create(queue: string, leaseMs: number): Promise<void> {
    const { names } = this.#ctx
    const window = nanos(this.#dedupeWindowMs)
    const work = await this.#stream(queue, {
      name: names.queueStream(queue),
      subjects: [names.queueSubject(queue)],
      description: `Switchyard work queue ${queue}`,
      retention: RetentionPolicy.Workqueue,
      duplicate_window: window,
    })
    if (work.config.duplicate_window < window) await this.#update(work, { duplicate_window: window })
    await this.#stream(queue, {
      name: names.parkedStream(queue),
      subjects: [names.parkedSubject(queue, '*')],
      description: `Switchyard work queue ${queue}: parked items`,
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
    })
    const consumer = await this.#consumer(queue, leaseMs)
    this.#ackWaitMs.set(queue, millis(consumer.config.ack_wait ?? 0))
  }

  async #stream(queue: string, config: Partial<StreamConfig> & { name: string }): Promise<StreamInfo> {
    const { jsm, replicas } = this.#ctx
    let info: StreamInfo
    try {
      info = await jsm.streams.info(config.name)
    } catch (e) {
      if (apiErrorCode(e) !== STREAM_NOT_FOUND) throw e
      try {
        info = await jsm.streams.add({
          ...config,
          storage: StorageType.File,
          discard: DiscardPolicy.Old,
          num_replicas: replicas,
        })
      } catch (e2) {
        // Another process created it first.
        if (apiErrorCode(e2) !== STREAM_NAME_IN_USE) throw e2
        info = await jsm.streams.info(config.name)
      }
    }
    const subjects = info.config.subjects ?? []
    if (
      subjects.length !== 1 ||
      subjects[0] !== config.subjects![0] ||
      info.config.retention !== config.retention
    )
      throw new Error(
        `stream ${config.name} on NATS is not queue ${queue}'s (subjects ${subjects.join(', ')}): is there a topic named q_${queue}?`,
      )
    if (info.config.num_replicas < replicas) info = await this.#update(info, { num_replicas: replicas })
    return info
  }

  #update(info: StreamInfo, change: Partial<StreamConfig>): Promise<StreamInfo> {
    return this.#ctx.jsm.streams.update(info.config.name, { ...info.config, ...change })
  }

  async #consumer(queue: string, leaseMs: number): Promise<ConsumerInfo> {
    const { jsm, names } = this.#ctx
    const stream = names.queueStream(queue)
    try {
      return await jsm.consumers.info(stream, names.queueConsumer)
    } catch (e) {
      if (apiErrorCode(e) !== CONSUMER_NOT_FOUND) throw e
    }
    try {
      return await jsm.consumers.add(stream, {
        durable_name: names.queueConsumer,
        description: `Switchyard work queue ${queue}: claims`,
        deliver_policy: DeliverPolicy.All,
        ack_policy: AckPolicy.Explicit,
        ack_wait: nanos(leaseMs),
        max_deliver: -1,
        max_ack_pending: -1,
      })
    } catch (e) {
      // Another process created it first (with a lease of its own).
      return jsm.consumers.info(stream, names.queueConsumer).catch(() => Promise.reject(e))
    }
  }
}
