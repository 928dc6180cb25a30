/**
 * The warehouse sync service of a worker process: asks for scheduled syncs when they are due, ends
 * syncs whose process died, and runs the syncs that are waiting, one at a time. Any number of worker
 * processes may run it against one control plane: a sync is claimed by one of them, and at most one
 * sync per warehouse waits or runs at a time.
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from 'pino'
import type { Store, WarehouseSyncNotice } from '../../store/index.ts'
import { pause, runUntilStopped, type EventStream } from '../../stream/index.ts'
import { scheduledSyncDue, syncScheduleOf } from './schedule.ts'
import { ChunkBuildThreads } from './build-threads.ts'
import { runWarehouseSync, WAREHOUSE_SYNC_GROUP, type SyncRunResult } from './sync-runner.ts'

const CLEANUP_EVERY_MS = 10 * 60_000
/** Sync history is kept this long (Segment's health views cover 30 days). */
export const SYNC_HISTORY_DAYS = 30

export interface WarehouseSyncServiceOptions {
  readonly store: Store
  readonly stream: EventStream
  readonly dataDir: string
  /** The staging topic of a warehouse (the pipeline names it), and the warehouse of a staging topic. */
  readonly topicOf: (warehouseId: string) => string
  readonly warehouseOfTopic: (topic: string) => string | undefined
  readonly logger: Logger
  /** How often to look for due and waiting syncs. Default 5 s. */
  readonly pollMs?: number
  /** How long a claimed sync is held without renewal. Default 60 s. */
  readonly leaseMs?: number
  /** Records per chunk (tests use small chunks). */
  readonly chunkRecords?: number
  /** Whether to ask for scheduled syncs (tests turn it off to run only what they ask for). Default true. */
  readonly schedule?: boolean
  readonly onSyncFinished?: (result: SyncRunResult) => void
}

/** What ends a sync whose process stopped without finishing it. */
export const INTERRUPTED_NOTICE = (): WarehouseSyncNotice => ({
  level: 'error',
  message: 'The sync stopped before it finished: the process running it ended or lost the database.',
  hint: 'Nothing to do: what it loaded stays loaded, without duplicates, and the next sync loads the rest.',
  kind: 'interrupted',
  createdAt: new Date().toISOString(),
})

export class WarehouseSyncService {
  readonly #abort = new AbortController()
  readonly #owner = randomUUID()
  /** Ends the current pause early (a sync was asked for in this process). */
  #wake = new AbortController()
  #running: Promise<void> | undefined
  #lastCleanup = 0
  /** The threads that build syncs' chunks, kept warm from one sync to the next. */
  readonly #buildThreads: ChunkBuildThreads

  constructor(private readonly options: WarehouseSyncServiceOptions) {
    this.#buildThreads = new ChunkBuildThreads({
      onError: (error) =>
        options.logger.warn(
          { err: error },
          'could not start the threads that build warehouse syncs; syncs build in their own thread',
        ),
    })
  }

  start(): void {
    this.#running ??= runUntilStopped(
      async () => {
        if (await this.runOnce()) return
        await pause(this.options.pollMs ?? 5000, AbortSignal.any([this.#abort.signal, this.#wake.signal]))
        if (this.#wake.signal.aborted) this.#wake = new AbortController()
      },
      this.#abort.signal,
      (error, pauseMs) =>
        this.options.logger.error({ err: error, pauseMs }, 'warehouse sync service failed; trying again'),
    )
  }

  /** Looks for waiting syncs now rather than at the end of the current pause. */
  wake(): void {
    this.#wake.abort()
  }

  /** Stops after the chunk in hand; a sync cut short is ended as partial and the next one goes on. */
  async stop(): Promise<void> {
    this.#abort.abort()
    await this.#running
    await this.#buildThreads.close()
  }

  /** One round: end interrupted syncs, ask for due ones, run one waiting sync. False when none waited. */
  async runOnce(): Promise<boolean> {
    const { store, logger } = this.options
    const ended = await store.warehouseSyncs.endInterrupted(INTERRUPTED_NOTICE())
    if (ended.length > 0) logger.warn({ syncIds: ended }, 'ended warehouse syncs whose process stopped')
    if (Date.now() - this.#lastCleanup > CLEANUP_EVERY_MS) {
      await this.releaseDeletedStaging()
      await store.warehouseSyncs.prune(new Date(Date.now() - SYNC_HISTORY_DAYS * 86_400_000).toISOString())
    }
    if (this.options.schedule !== false) await this.#requestDue()
    const sync = await store.warehouseSyncs.claim(this.#owner, this.#leaseMs)
    if (!sync) return false
    const warehouse = await store.warehouses.get(sync.workspaceId, sync.warehouseId)
    if (!warehouse) return true // deleted meanwhile: its syncs went with it
    const result = await runWarehouseSync({
      store,
      stream: this.options.stream,
      warehouse,
      sync,
      topic: this.options.topicOf(warehouse.id),
      dataDir: this.options.dataDir,
      owner: this.#owner,
      leaseMs: this.#leaseMs,
      logger,
      signal: this.#abort.signal,
      buildPool: this.#buildThreads,
      ...(this.options.chunkRecords !== undefined && { chunkRecords: this.options.chunkRecords }),
    })
    this.options.onSyncFinished?.(result)
    return true
  }

  /**
   * Lets retention delete the staging of warehouses that no longer exist: their topics' sync group is
   * removed, so nothing waits for their records any more. Returns the topics released.
   */
  async releaseDeletedStaging(): Promise<string[]> {
    this.#lastCleanup = Date.now()
    const released: string[] = []
    const { stream, store } = this.options
    for (const topic of (await stream.stats()).topics) {
      const warehouseId = this.options.warehouseOfTopic(topic.topic)
      if (warehouseId === undefined || !topic.groups.some((g) => g.group === WAREHOUSE_SYNC_GROUP)) continue
      if (await store.warehouses.exists(warehouseId)) continue
      await stream.removeGroup(topic.topic, WAREHOUSE_SYNC_GROUP)
      released.push(topic.topic)
    }
    if (released.length > 0)
      this.options.logger.info({ topics: released }, 'released the staging of deleted warehouses')
    return released
  }

  get #leaseMs(): number {
    return this.options.leaseMs ?? 60_000
  }

  async #requestDue(): Promise<void> {
    const { store } = this.options
    const now = new Date()
    for (const warehouse of await store.warehouses.enabled()) {
      const schedule = syncScheduleOf(warehouse.settings, warehouse.advancedSchedule)
      // A new warehouse's first scheduled sync is the first slot after it was created.
      const last = (await store.warehouseSyncs.lastRequestedAt(warehouse.id)) ?? new Date(warehouse.createdAt)
      if (!scheduledSyncDue(now, schedule, last)) continue
      await store.warehouseSyncs.request({
        workspaceId: warehouse.workspaceId,
        warehouseId: warehouse.id,
        trigger: 'scheduled',
        requestedBy: 'scheduler',
      })
    }
  }
}
