import type { Logger } from 'pino'
import { isSecretName, maskSecret } from '../destinations/index.ts'
import { appendToSource } from '../ingest/index.ts'
import type { AuditEvent, Store } from '../store/index.ts'
import { pause, runUntilStopped, type EventStream } from '../stream/index.ts'

export interface AuditForwarderOptions {
  store: Store
  stream: EventStream
  /** The source that receives its workspace's audit trail. */
  sourceId: string
  logger: Logger
  /** Pause between passes when there is nothing to forward. Default 1 s. */
  intervalMs?: number
  /**
   * Events younger than this are left for the next pass, so that one whose transaction commits a
   * moment after its timestamp is not skipped. Default 5 s.
   */
  settleMs?: number
  /** Events per append. Default 500. */
  batchSize?: number
  now?: () => number
}

/** Largest `before` + `after` forwarded; bigger ones are left out (the message stays under 32 KB). */
const MAX_CHANGE_BYTES = 24 * 1024

/**
 * Audit forwarding: each audit event of the source's workspace becomes a Track call into that
 * source (event = the audit type, such as "Source Created"), appended to the ingest stream the way
 * the Tracking API appends, so it goes through the whole pipeline.
 *
 * Durable and at least once: the forwarder reads the audit table from a position kept in the
 * control plane (consumer `audit-forward:<sourceId>`, an epoch-ms time), appends, and only then
 * moves the position, by compare-and-set. A crash between the two re-sends the batch, and the
 * stream drops the copies by `messageId` (`audit-<event id>`). The first pass starts at the current
 * time: enabling forwarding does not replay the past 90 days.
 */
export class AuditForwarder {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined
  #warned: string | undefined

  constructor(private readonly options: AuditForwarderOptions) {}

  get consumer(): string {
    return `audit-forward:${this.options.sourceId}`
  }

  start(): void {
    this.#running ??= runUntilStopped(
      async () => {
        if ((await this.step()) === 0) await pause(this.options.intervalMs ?? 1000, this.#abort.signal)
      },
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error(
          { err: error, pauseMs },
          'audit forwarding failed; retrying the same events',
        ),
    )
  }

  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Forwards one batch; returns how many events it forwarded. */
  async step(): Promise<number> {
    const { store, stream, sourceId, logger } = this.options
    const source = await store.sources.findById(sourceId)
    if (!source?.enabled) {
      const problem = source ? 'is disabled' : 'does not exist'
      if (this.#warned !== problem) logger.warn({ sourceId }, `audit forwarding waits: the source ${problem}`)
      this.#warned = problem
      return 0
    }
    this.#warned = undefined
    const upTo = (this.options.now ?? Date.now)() - (this.options.settleMs ?? 5000)
    const position = await store.audit.position(this.consumer)
    if (position === 0) {
      await store.audit.advancePosition(this.consumer, 0, upTo)
      return 0
    }
    if (upTo <= position) return 0
    const batchSize = this.options.batchSize ?? 500
    const iso = (ms: number) => new Date(ms).toISOString()
    let events = await store.audit.listRange(source.workspaceId, iso(position), iso(upTo), batchSize)
    let next = upTo
    if (events.length === batchSize) {
      const last = Date.parse(events.at(-1)!.timestamp)
      if (last > position) {
        // Events of the last millisecond are read again next time; the stream drops the copies.
        next = last
      } else {
        events = await store.audit.listRange(source.workspaceId, iso(position), iso(position + 1))
        next = position + 1
      }
    }
    if (events.length > 0) {
      const { rejected } = await appendToSource(stream, source, events.map(auditTrack), {
        receivedAt: new Date(),
      })
      for (const r of rejected) {
        logger.error(
          { auditEventId: events[r.index]!.id, reason: r.reason },
          'an audit event could not be forwarded',
        )
      }
    }
    // Another forwarder moved the position first: it forwarded the same events (dropped as copies).
    if (!(await store.audit.advancePosition(this.consumer, position, next))) return 0
    return events.length
  }
}

/** An audit event as a Segment Track call; secret-looking values in before/after are masked. */
export function auditTrack(event: AuditEvent): Record<string, unknown> {
  let before = masked(event.before)
  let after = masked(event.after)
  const truncated = Buffer.byteLength(JSON.stringify([before, after]) ?? '') > MAX_CHANGE_BYTES
  if (truncated) before = after = null
  return {
    type: 'track',
    event: event.type,
    userId: event.actor.id,
    messageId: `audit-${event.id}`,
    timestamp: event.timestamp,
    properties: {
      auditEventId: event.id,
      workspaceId: event.workspaceId,
      actor: event.actor,
      resource: event.resource,
      before,
      after,
      ...(truncated && { truncated: true }),
    },
    context: { library: { name: 'switchyard-audit-trail', version: '1' } },
  }
}

function masked(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(masked)
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      isSecretName(key) || /writekey/i.test(key) ? maskAll(v) : masked(v),
    ]),
  )
}

/** Every string and number inside `value` masked (a secret's value may be a list or an object). */
function maskAll(value: unknown): unknown {
  if (typeof value === 'string' || typeof value === 'number') return maskSecret(String(value))
  if (Array.isArray(value)) return value.map(maskAll)
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskAll(v)]))
  return value
}
