import { AckPolicy, createInbox, DeliverPolicy, nanos } from 'nats'
import type { JetStreamContext } from './jetstream-connection.ts'
import { deliveryInfo, type StoredMessage } from './jetstream-records.ts'

/** The server deletes a cursor's consumer after this long without a pull. */
const INACTIVE_MS = 60_000
/** A cursor idle for half of that is replaced rather than risked. */
const REUSE_MS = INACTIVE_MS / 2
/** One pull waits at most this long; longer waits take several pulls. */
export const MAX_PULL_WAIT_MS = 25_000

/**
 * Reads one stream in order from a start sequence through an ephemeral pull consumer (no acks,
 * in memory, one replica): the server remembers only how far it has delivered.
 *
 * A pull asks for up to `batch` messages with `no_wait`, and with `expires` when it may wait: the
 * server then answers as soon as it has sent what there is, or waits until the first message
 * arrives or the wait ends. No polling. A cursor that may have lost a delivery (an abandoned wait,
 * a gap in the consumer's sequence, no answer in time) is `broken` and must be replaced: it never
 * skips a record silently.
 */
export class JetStreamCursor {
  readonly #ctx: JetStreamContext
  readonly #stream: string
  readonly #consumer: string
  #delivered = 0
  #broken = false
  #lastUsed = performance.now()

  private constructor(ctx: JetStreamContext, stream: string, consumer: string) {
    this.#ctx = ctx
    this.#stream = stream
    this.#consumer = consumer
  }

  /** A cursor whose first message is the first one stored at or after `startSeq`. */
  static async open(
    ctx: JetStreamContext,
    stream: string,
    startSeq: number,
    options: { headersOnly?: boolean } = {},
  ): Promise<JetStreamCursor> {
    const info = await ctx.jsm.consumers.add(stream, {
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, startSeq),
      ack_policy: AckPolicy.None,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: nanos(INACTIVE_MS),
      ...(options.headersOnly && { headers_only: true }),
    })
    return new JetStreamCursor(ctx, stream, info.name)
  }

  /** False once broken, or when idle so long that the server may have deleted the consumer. */
  get usable(): boolean {
    return !this.#broken && performance.now() - this.#lastUsed < REUSE_MS
  }

  /**
   * Up to `batch` messages in order; waits up to `waitMs` (at most `MAX_PULL_WAIT_MS`) for the
   * first. Ends early, breaking the cursor, when `signal` aborts.
   */
  pull(batch: number, waitMs: number, signal?: AbortSignal): Promise<StoredMessage[]> {
    const wait = Math.min(Math.max(0, Math.round(waitMs)), MAX_PULL_WAIT_MS)
    const { nc, timeoutMs } = this.#ctx
    const messages: StoredMessage[] = []
    if (this.#broken || signal?.aborted) {
      this.#broken = true
      return Promise.resolve(messages)
    }
    return new Promise((resolve) => {
      let settled = false
      const finish = (broken: boolean) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        sub.unsubscribe()
        if (broken) this.#broken = true
        this.#lastUsed = performance.now()
        resolve(messages)
      }
      // The server may still deliver to the abandoned request, and those messages would be lost.
      const onAbort = () => finish(true)
      const sub = nc.subscribe(createInbox(), {
        callback: (error, msg) => {
          if (settled) return
          if (error !== null) return finish(true)
          const status = msg.headers?.code ?? 0
          if (status === 100) return // heartbeat
          // 404 "No Messages" and 408 "Request Timeout" end a pull cleanly; anything else may not.
          if (status !== 0) return finish(status !== 404 && status !== 408)
          const delivery = deliveryInfo(msg.reply)
          if (delivery === undefined || delivery.consumerSeq !== this.#delivered + 1) return finish(true)
          this.#delivered = delivery.consumerSeq
          messages.push({ seq: delivery.streamSeq, headers: msg.headers, data: msg.data })
          if (messages.length >= batch) finish(false)
        },
      })
      const timer = setTimeout(() => finish(true), wait + timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      const request = wait > 0 ? { batch, no_wait: true, expires: nanos(wait) } : { batch, no_wait: true }
      nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${this.#stream}.${this.#consumer}`, JSON.stringify(request), {
        reply: sub.getSubject(),
      })
    })
  }

  /** Deletes the consumer; if that fails, the server deletes it once inactive. */
  async close(): Promise<void> {
    this.#broken = true
    await this.#ctx.jsm.consumers.delete(this.#stream, this.#consumer).catch(() => false)
  }
}
