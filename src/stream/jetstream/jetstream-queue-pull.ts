import { createInbox, nanos, type MsgHdrs } from 'nats'
import type { JetStreamContext } from './jetstream-connection.ts'
import { MAX_PULL_WAIT_MS } from './jetstream-cursor.ts'
import { deliveryInfo } from './jetstream-records.ts'

/** A message the claims consumer handed out, with what is needed to ack or nak it later. */
export interface Delivery {
  /** The stream sequence: the item's id. */
  readonly seq: number
  /** How many times the consumer has handed the message out, this time included. */
  readonly deliveries: number
  /** Where its ack or nak goes. */
  readonly reply: string
  readonly headers: MsgHdrs | undefined
  readonly data: Uint8Array
}

export interface PullResult {
  readonly deliveries: Delivery[]
  /** Why the pull failed: the server answered other than "no messages" or "timeout" (consumer gone…). */
  readonly failure?: string
}

/**
 * One pull of up to `batch` messages from a durable consumer, waiting up to `waitMs` (at most
 * `MAX_PULL_WAIT_MS`) for the first. As for topic cursors, the request has `no_wait` and, when it
 * may wait, `expires`: the server answers at once with what is there, or holds the request until
 * the first message arrives.
 *
 * A pull ended early (`signal`, no answer in time) leaves the request with the server until it
 * expires; whatever is still delivered to it is nak'd without delay, so it is due again at once
 * rather than after a lease.
 */
export function pullDeliveries(
  ctx: JetStreamContext,
  stream: string,
  consumer: string,
  batch: number,
  waitMs: number,
  signal: AbortSignal,
): Promise<PullResult> {
  const wait = Math.min(Math.max(0, Math.round(waitMs)), MAX_PULL_WAIT_MS)
  const { nc, timeoutMs } = ctx
  const deliveries: Delivery[] = []
  if (signal.aborted) return Promise.resolve({ deliveries })
  return new Promise((resolve) => {
    let settled = false
    let lingering: NodeJS.Timeout | undefined
    const finish = (clean: boolean, failure?: string) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      if (clean) sub.unsubscribe()
      else {
        lingering = setTimeout(() => sub.unsubscribe(), wait + timeoutMs)
        lingering.unref()
      }
      resolve(failure === undefined ? { deliveries } : { deliveries, failure })
    }
    const onAbort = () => finish(false)
    const sub = nc.subscribe(createInbox(), {
      callback: (error, msg) => {
        if (error !== null) return finish(true, error.message)
        const status = msg.headers?.code ?? 0
        if (status === 100) return // heartbeat
        if (status !== 0) {
          if (settled) {
            clearTimeout(lingering)
            return sub.unsubscribe()
          }
          // 404 "No Messages" and 408 "Request Timeout" end a pull; anything else is a failure.
          if (status === 404 || status === 408) return finish(true)
          return finish(true, `${status} ${msg.headers?.description ?? ''}`.trim())
        }
        const info = deliveryInfo(msg.reply)
        if (info === undefined) return
        if (settled) {
          // Delivered to a pull that already returned: hand it back at once.
          nakQuietly(ctx, msg.reply!)
          return
        }
        deliveries.push({
          seq: info.streamSeq,
          deliveries: info.deliveries,
          reply: msg.reply!,
          headers: msg.headers,
          data: msg.data,
        })
        if (deliveries.length >= batch) finish(true)
      },
    })
    const timer = setTimeout(() => finish(false), wait + timeoutMs)
    signal.addEventListener('abort', onAbort, { once: true })
    const request = wait > 0 ? { batch, no_wait: true, expires: nanos(wait) } : { batch, no_wait: true }
    nc.publish(`$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`, JSON.stringify(request), {
      reply: sub.getSubject(),
    })
  })
}

/** Acks or naks a delivery and waits for the server to confirm it. */
export async function settleDelivery(
  ctx: JetStreamContext,
  reply: string,
  action: { ack: true } | { nakDelayMs: number },
): Promise<void> {
  const body =
    'ack' in action
      ? '+ACK'
      : action.nakDelayMs > 0
        ? `-NAK ${JSON.stringify({ delay: nanos(Math.round(action.nakDelayMs)) })}`
        : '-NAK'
  await ctx.nc.request(reply, body, { timeout: ctx.timeoutMs })
}

function nakQuietly(ctx: JetStreamContext, reply: string): void {
  try {
    ctx.nc.publish(reply, '-NAK')
  } catch {
    // The connection is closing: the lease brings the message back.
  }
}
