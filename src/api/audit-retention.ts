import type { Logger } from 'pino'
import type { Store } from '../store/index.ts'
import { runEvery } from '../stream/index.ts'

export interface AuditRetentionOptions {
  store: Store
  /** Days an audit event is kept; 0 keeps everything. */
  retentionDays: number
  logger: Logger
  /** How often a pass runs. Default 1 hour. */
  intervalMs?: number
  now?: () => number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Deletes audit events past the retention age (Segment keeps 90 days): a pass at start, then one
 * every `intervalMs`. Several processes may run it; they only ever delete the same old rows.
 */
export class AuditRetention {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined

  constructor(private readonly options: AuditRetentionOptions) {}

  start(): void {
    if (this.options.retentionDays <= 0) return
    this.#running ??= this.#loop()
  }

  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Deletes every event past the retention age now; returns how many went. */
  async prune(): Promise<number> {
    if (this.options.retentionDays <= 0) return 0
    const now = (this.options.now ?? Date.now)()
    return this.options.store.audit.prune(new Date(now - this.options.retentionDays * DAY_MS).toISOString())
  }

  #loop(): Promise<void> {
    return runEvery(
      this.options.intervalMs ?? 60 * 60_000,
      async () => {
        const deleted = await this.prune()
        if (deleted > 0) this.options.logger.info({ deleted }, 'pruned audit events past retention')
      },
      this.#abort.signal,
      (error) =>
        this.options.logger.error({ err: error }, 'audit retention failed; trying again at the next pass'),
    )
  }
}
