import { setTimeout as sleep } from 'node:timers/promises'
import type { Logger } from 'pino'
import type { Store } from '../store/index.ts'
import { runEvery } from '../stream/index.ts'

export interface ArchiveRetentionOptions {
  store: Store
  /** Days an archived message is kept; 0 keeps everything. */
  retentionDays: number
  logger: Logger
  /** How often a pass runs. Default 10 minutes. */
  intervalMs?: number
  /** Messages deleted per statement. Default 5000. */
  batchSize?: number
  now?: () => number
}

const DAY_MS = 24 * 60 * 60 * 1000

/**
 * Deletes archived messages older than the retention age: a pass at start, then one every
 * `intervalMs`, each in small batches (oldest first) so that the archive's writer is never held up
 * for long. Several processes may run it; they only ever delete the same old rows.
 */
export class ArchiveRetention {
  readonly #abort = new AbortController()
  #running: Promise<void> | undefined

  constructor(private readonly options: ArchiveRetentionOptions) {}

  start(): void {
    if (this.options.retentionDays <= 0) return
    this.#running ??= this.#loop()
  }

  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Deletes everything past the retention age now; returns how many messages it deleted. */
  async prune(): Promise<number> {
    if (this.options.retentionDays <= 0) return 0
    const now = this.options.now ?? Date.now
    const before = new Date(now() - this.options.retentionDays * DAY_MS).toISOString()
    const batchSize = this.options.batchSize ?? 5000
    let deleted = 0
    while (!this.#abort.signal.aborted) {
      const n = await this.options.store.archive.pruneOldest(before, batchSize)
      deleted += n
      if (n < batchSize) break
      // Let the archive's writer in between batches.
      await sleep(20)
    }
    return deleted
  }

  #loop(): Promise<void> {
    return runEvery(
      this.options.intervalMs ?? 10 * 60_000,
      async () => {
        const deleted = await this.prune()
        if (deleted > 0) this.options.logger.info({ deleted }, 'pruned archived messages past retention')
      },
      this.#abort.signal,
      (error) =>
        this.options.logger.error({ err: error }, 'archive retention failed; trying again at the next pass'),
    )
  }
}
