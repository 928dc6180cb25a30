import type { Logger } from 'pino'
import type { Source, Store } from '../store/index.ts'

/** What Delivery Overview's "Failed on ingest" step counts: the outcome stored with these counts. */
export const FAILED_ON_INGEST = 'failed_on_ingest'

/**
 * Counts messages refused at ingest (Segment's reasons: `no_user_anon_id`, `message_too_large`, …)
 * per source and minute, and adds them to the store's delivery counts about once a second, where
 * Delivery Overview's "Failed on ingest" step reads them. Only messages whose source is known are
 * counted: a request with an unknown write key belongs to no source. A crash loses at most the last
 * second of counts; the client got its answer with the reason either way.
 */
export class IngestRejectionCounter {
  readonly #counts = new Map<string, { key: CountKey; count: number }>()
  #timer: NodeJS.Timeout | undefined
  #flushing: Promise<void> | undefined

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly flushMs = 1000,
  ) {}

  add(source: Source, reason: string, raw: unknown, at: Date): void {
    const message = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {}
    const app = (message.context as { app?: { version?: unknown } } | undefined)?.app
    const key: CountKey = {
      workspaceId: source.workspaceId,
      sourceId: source.id,
      minute: Math.floor(at.getTime() / 60_000),
      reason,
      eventType: typeof message.type === 'string' ? message.type.slice(0, 100) : '',
      eventName: typeof message.event === 'string' ? message.event.slice(0, 200) : '',
      appVersion: typeof app?.version === 'string' ? app.version.slice(0, 100) : '',
    }
    const id = Object.values(key).join('\0')
    const entry = this.#counts.get(id)
    if (entry) entry.count += 1
    else this.#counts.set(id, { key, count: 1 })
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.flushMs)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer)
    this.#timer = undefined
    await this.flush()
  }

  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined))
    return this.#flushing
  }

  async #flush(): Promise<void> {
    if (this.#counts.size === 0) return
    const entries = [...this.#counts.values()]
    this.#counts.clear()
    try {
      await this.store.delivery.addCounts(
        entries.map(({ key, count }) => ({
          ...key,
          destinationId: '',
          outcome: FAILED_ON_INGEST,
          attempt: 0,
          count,
        })),
      )
    } catch (error) {
      this.logger.warn({ err: error, rows: entries.length }, 'could not store ingest rejection counts')
      for (const { key, count } of entries) {
        const id = Object.values(key).join('\0')
        const entry = this.#counts.get(id)
        if (entry) entry.count += count
        else this.#counts.set(id, { key, count })
      }
    }
  }
}

interface CountKey {
  workspaceId: string
  sourceId: string
  minute: number
  reason: string
  eventType: string
  eventName: string
  appVersion: string
}
