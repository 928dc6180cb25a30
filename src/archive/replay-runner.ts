import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import { deliveryQueue } from '../pipeline/index.ts'
import type { ArchiveCursor, Destination, ReplayJob, ReplaySelection, Store } from '../store/index.ts'
import { pause, runUntilStopped, type WorkQueues } from '../stream/index.ts'
import { BlockedEvents } from './blocking.ts'
import { envelopeJson } from './rows.ts'

export interface ReplayRunnerOptions {
  store: Store
  queues: WorkQueues
  logger: Logger
  /** How often to look for a job when there is none. Default 1 s. */
  pollMs?: number
  /** Archived messages per page. Default 500. */
  pageSize?: number
  /** How long a job stays with this runner without news from it. Default 30 s. */
  leaseMs?: number
  /**
   * Items an enabled destination's queue may hold (due or waiting) before the replay waits for it
   * to drain: a replay paces itself by the destination's delivery, leaving room for live traffic.
   * Default 10,000.
   */
  maxQueued?: number
  /** Attempts at a job that keeps failing before it is marked failed. Default 5. */
  maxAttempts?: number
}

/** The dedupe scope of a replay's queue items; the dedupe id is the archived message's id. */
export const replayDedupeScope = (jobId: string): string => `replay-${jobId}`

/**
 * Runs replay jobs: pages through a job's archived messages in (receivedAt, id) order and puts
 * each on the work queue of every destination of the job, as the process stage would have, then
 * records where it got to. A job survives restarts: it resumes after its stored cursor, and the
 * queues drop what a re-run page had already enqueued (dedupe id = archive id). Several runners
 * share jobs through leases; a cancelled job stops at its next page.
 */
export class ReplayRunner {
  readonly #abort = new AbortController()
  readonly #owner = randomUUID()
  readonly #failures = new Map<string, number>()
  readonly #blocking: BlockedEvents
  #running: Promise<void> | undefined

  constructor(private readonly options: ReplayRunnerOptions) {
    this.#blocking = new BlockedEvents(options.store)
  }

  start(): void {
    this.#running ??= this.#loop()
  }

  /** Stops after the page in hand; the job in hand is released so that it resumes at once elsewhere. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
  }

  /** Claims one job and runs it to its end; false when there was none. */
  async runOnce(): Promise<boolean> {
    const job = await this.options.store.replayJobs.claim(this.#owner, this.#leaseMs)
    if (!job) return false
    try {
      await this.#run(job)
      this.#failures.delete(job.id)
    } catch (error) {
      const attempts = (this.#failures.get(job.id) ?? 0) + 1
      this.#failures.set(job.id, attempts)
      if (attempts >= (this.options.maxAttempts ?? 5)) {
        this.#failures.delete(job.id)
        await this.options.store.replayJobs.finish(job.id, this.#owner, {
          status: 'failed',
          error: `gave up after ${attempts} attempts: ${(error as Error).message}`,
        })
        this.options.logger.error({ err: error, replayId: job.id }, 'replay failed')
        return true
      }
      await this.options.store.replayJobs.release(job.id, this.#owner).catch(() => {})
      throw error
    }
    return true
  }

  get #leaseMs(): number {
    return this.options.leaseMs ?? 30_000
  }

  #loop(): Promise<void> {
    return runUntilStopped(
      async () => {
        if (!(await this.runOnce())) await this.#pause(this.options.pollMs ?? 1000)
      },
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error({ err: error, pauseMs }, 'replay runner failed; trying again'),
    )
  }

  async #run(job: ReplayJob): Promise<void> {
    const { store, queues, logger } = this.options
    const jobs = store.replayJobs
    const pageSize = this.options.pageSize ?? 500
    const selection: ReplaySelection = {
      sourceId: job.sourceId,
      from: job.startTime,
      to: job.endTime,
      ...(job.eventTypes && { types: job.eventTypes }),
      ...(job.eventNames && { events: job.eventNames }),
    }
    logger.info({ replayId: job.id, sourceId: job.sourceId, resumed: job.cursor !== null }, 'replay started')
    if (job.total === null) {
      const total = await store.archive.countReplay(selection)
      if (!(await jobs.setTotal(job.id, this.#owner, total, this.#leaseMs))) return
    }
    let cursor: ArchiveCursor | undefined = job.cursor ?? undefined
    for (;;) {
      if (this.#abort.signal.aborted) return jobs.release(job.id, this.#owner)
      const targets = await this.#targets(job)
      if (targets.length === 0) {
        await jobs.finish(job.id, this.#owner, {
          status: 'failed',
          error: 'every destination of the replay was deleted',
        })
        return
      }
      const page = await store.archive.replayPage(selection, cursor, pageSize)
      if (page.length > 0) {
        if (!(await this.#waitForRoom(job, targets))) return
        // Blocked when archived, or blocked since: a replay never sends what the source blocks now.
        const rules = await this.#blocking.current()
        const sendable = rules.blocksAny(job.sourceId)
          ? page.filter((m) => !rules.isBlocked(job.sourceId, JSON.parse(m.message) as { type: string }))
          : page
        const items = sendable.map((m) => ({ value: envelopeJson(m), dedupeId: String(m.id) }))
        let enqueued = 0
        for (const destination of items.length > 0 ? targets : []) {
          const result = await queues.enqueue(deliveryQueue(destination.id), items, {
            dedupeScope: replayDedupeScope(job.id),
          })
          enqueued += result.enqueued
        }
        const last = page.at(-1)!
        cursor = { receivedAt: last.receivedAt, id: last.id }
        const progress = { cursor, processed: page.length, enqueued }
        // False when the job was cancelled (or taken over): what is queued stays queued.
        if (!(await jobs.progress(job.id, this.#owner, progress, this.#leaseMs))) return
      }
      if (page.length < pageSize) {
        if (await jobs.finish(job.id, this.#owner, { status: 'succeeded' }))
          logger.info({ replayId: job.id }, 'replay succeeded')
        return
      }
    }
  }

  /** The job's destinations that still exist (they needn't be enabled: their queue waits). */
  async #targets(job: ReplayJob): Promise<Destination[]> {
    const found = await Promise.all(
      job.destinationIds.map((id) => this.options.store.destinations.get(job.workspaceId, id)),
    )
    return found.filter((d): d is Destination => d !== undefined && d.sourceId === job.sourceId)
  }

  /**
   * Waits while an enabled destination's queue is over `maxQueued`, renewing the lease; false when
   * the job was cancelled or the runner is stopping (the job is then released).
   */
  async #waitForRoom(job: ReplayJob, targets: readonly Destination[]): Promise<boolean> {
    const maxQueued = this.options.maxQueued ?? 10_000
    for (;;) {
      const stats = await Promise.all(
        targets.filter((d) => d.enabled).map((d) => this.options.queues.stats(deliveryQueue(d.id))),
      )
      if (stats.every((s) => s.ready + s.waiting < maxQueued)) return true
      if (!(await this.options.store.replayJobs.renew(job.id, this.#owner, this.#leaseMs))) return false
      await this.#pause(1000)
      if (this.#abort.signal.aborted) {
        await this.options.store.replayJobs.release(job.id, this.#owner)
        return false
      }
    }
  }

  #pause(ms: number): Promise<void> {
    return pause(ms, this.#abort.signal)
  }
}
