/**
 * One warehouse sync (warehouse spec §1, §3–5): ping the warehouse, then read the warehouse's staging
 * topic in chunks and, per chunk and source, evolve the schema (create tables, add columns), load in
 * bulk (deduplicated on `id`, `users` and `accounts` upserted), and commit the topic position only
 * after every row of the chunk is in. Sync history is written as it goes.
 *
 * Crash safety: a chunk's bounds are written before it is loaded and cleared after its position is
 * committed. A sync that dies half way leaves the chunk uncommitted; the next sync loads exactly that
 * chunk again first. Loads are idempotent (dedup on `id` within the batch and against the table), so
 * the rows it had loaded are not loaded twice and none are lost.
 *
 * Pipelined: chunks are read and built ahead while the chunk before loads (for warehouses that take
 * COPY rows, in build threads, several at once, or in the sync's own thread for a small sync; a chunk
 * planned ahead has its plan restated, or made again, on the schema the chunks before it leave).
 * Reading ahead writes nothing: bounds, load and position commit still go one chunk after the other,
 * in order.
 *
 * The sync stops at the records that were staged when it began, so a busy source cannot keep it going.
 */
import { availableParallelism } from 'node:os'
import type { Logger } from 'pino'
import type {
  Source,
  Store,
  Warehouse,
  WarehouseSync,
  WarehouseSyncNotice,
  WarehouseSyncReport,
} from '../../store/index.ts'
import type { EventStream, StreamRecord } from '../../stream/index.ts'
import { dataLakeRoot, findWarehouseEntry, warehouseConnection } from '../catalog.ts'
import { testWarehouseConnection } from '../connection-test.ts'
import { exportToLake } from '../lake/index.ts'
import { lakeTables } from './lake-tables.ts'
import { asWarehouseError } from '../loaders/errors.ts'
import {
  DEFAULT_HINTS,
  isWarehouseError,
  openWarehouseLoader,
  WarehouseError,
  type ColumnSpec,
  type LoadRow,
  type WarehouseLoader,
} from '../loaders/index.ts'
import {
  planSchema,
  UPSERT_TABLES,
  type SchemaPlan,
  type TableColumns,
  type TableRow,
} from '../schema/index.ts'
import {
  CopyChunkBuild,
  type CopyBatch,
  type CopyChunk,
  type CopyChunkStart,
  type CopySourceInput,
} from './copy-chunk.ts'
import type { ChunkBuildThreads } from './build-threads.ts'
import { ChunkThreadGone, CopyChunkBuilder, type CopyJob } from './copy-chunk-builder.ts'
import { rebasePlan, type CopySchemaPlan } from './copy-plan.ts'
import { selectiveSyncRules, type SelectiveSyncRules } from './selective-sync.ts'
import { applySelectiveSync, sourceSchemaName, stagedRows } from './staged-rows.ts'
import { planNotices, reportStatus, syncStatus } from './sync-status.ts'

/** The consumer group of every warehouse's staging topic. */
export const WAREHOUSE_SYNC_GROUP = 'warehouse-sync'

export interface SyncRunOptions {
  readonly store: Store
  readonly stream: EventStream
  readonly warehouse: Warehouse
  readonly sync: WarehouseSync
  /** The staging topic (`warehouse-<id>`). */
  readonly topic: string
  /** Where DuckDB files live. */
  readonly dataDir: string
  /** Holds the sync's lease; `progress` renews it. */
  readonly owner: string
  readonly leaseMs: number
  readonly logger: Logger
  /** Records per chunk. Default 20,000. */
  readonly chunkRecords?: number
  /** Ends the run after the chunk in hand (the worker is stopping). */
  readonly signal?: AbortSignal
  /**
   * A sync of at least this many records builds its chunks in worker threads when the loader takes
   * COPY rows. Default `WORKER_MIN_RECORDS` (5,000); tests set 0 to use the threads for every sync.
   */
  readonly workerMinRecords?: number
  /**
   * Threads that build chunks, kept from one sync to the next (the sync service's). Default: threads
   * of the sync's own, `buildThreads` of them, ended with it.
   */
  readonly buildPool?: ChunkBuildThreads
  /** Without `buildPool`: how many threads (`DEFAULT_BUILD_THREADS`; 0: only the sync's own thread). */
  readonly buildThreads?: number
  /** Test hook: runs after a chunk's rows are loaded, before its position is committed. */
  readonly afterChunkLoaded?: () => Promise<void> | void
}

export interface SyncRunResult {
  readonly status: 'success' | 'partial' | 'failure'
  readonly rows: number
  readonly records: number
  readonly reports: readonly WarehouseSyncReport[]
  readonly error?: WarehouseSyncNotice
}

const DEFAULT_CHUNK_RECORDS = 20_000
/**
 * Tables of a chunk loaded at once (PostgreSQL uses a connection each; DuckDB runs them in turn): three,
 * or two on a two-core machine, where the sync's own threads need the other core.
 */
const TABLES_IN_PARALLEL = Math.min(3, Math.max(2, availableParallelism()))
const CHUNK_BYTES = 64 * 1024 * 1024
/** A pipelined run's first chunks: `chunkRecords` / 2^3, / 2^2, / 2, at least this many. */
const RAMP_STEPS = 3
const RAMP_MIN_RECORDS = 1000
/**
 * Records built in the sync's thread between two turns of its event loop (about 2 ms): the loads of
 * the chunk before, a round trip at a time, each wait that long at most for their turn.
 */
const INLINE_SLICE_RECORDS = 100
/**
 * Records per read (a few milliseconds of the sync's thread): a chunk's records go to its build as
 * they are read, never all held at once.
 */
const READ_BATCH_RECORDS = 500

/** Runs a claimed sync to its end and records its outcome. Never throws for a warehouse's failure. */
export async function runWarehouseSync(options: SyncRunOptions): Promise<SyncRunResult> {
  const run = new SyncRun(options)
  return run.execute()
}

class SyncRun {
  readonly #o: SyncRunOptions
  readonly #reports = new Map<string, WarehouseSyncReport>()
  /** The schema of each source's warehouse schema, as read once per run and kept up to date. */
  readonly #schemas = new Map<string, TableColumns>()
  readonly #sources = new Map<string, Source | undefined>()
  #loader: WarehouseLoader | undefined
  /** Builds COPY chunks, for loaders that take COPY rows. */
  #builder: CopyChunkBuilder | undefined
  /**
   * Chunks sent off so far (for the first chunks' sizes), the topic's last offset when the run began,
   * and the records it had to load then.
   */
  #chunksSent = 0
  #head = 0
  #expected = 0
  /** The last chunk sent off to be built, settled (chunks settle in turn). */
  #settled: Promise<unknown> = Promise.resolve()
  /** The control-plane writes sent off so far (`#later`). */
  #written: Promise<void> = Promise.resolve()
  /** The lake's root directory, when the warehouse is a data lake (no loader then). */
  #lakeRoot: string | undefined
  #rows = 0
  #records = 0
  #lost = false
  #stoppedEarly = false

  constructor(options: SyncRunOptions) {
    this.#o = options
  }

  get #store() {
    return this.#o.store
  }

  async execute(): Promise<SyncRunResult> {
    const { sync, warehouse, logger } = this.#o
    const renewal = setInterval(() => void this.#progress(), Math.max(1000, this.#o.leaseMs / 3))
    let error: WarehouseSyncNotice | undefined
    try {
      await this.#startReports()
      const entry = findWarehouseEntry(warehouse.metadataId)
      if (!entry)
        throw new WarehouseError('misconfiguration', `Unknown warehouse kind ${warehouse.metadataId}`, {
          hint: DEFAULT_HINTS.misconfiguration,
        })
      if (entry.engine === 'lake') {
        this.#lakeRoot = dataLakeRoot(warehouse.settings, this.#o.dataDir)
        await testWarehouseConnection('lake', warehouse.settings, { dataDir: this.#o.dataDir })
      } else {
        this.#loader = openWarehouseLoader(
          warehouseConnection(entry.engine, warehouse.settings, this.#o.dataDir),
        )
        if (this.#loader.loadCopyRows !== undefined)
          this.#builder = new CopyChunkBuilder({
            minRecords: this.#o.workerMinRecords,
            ...(this.#o.buildPool ? { pool: this.#o.buildPool } : { threads: this.#o.buildThreads }),
          })
        await this.#loader.testConnection()
      }
      await this.#loadStaged()
      if (this.#stoppedEarly)
        error = {
          level: 'warning',
          kind: 'stopped',
          createdAt: new Date().toISOString(),
          message: 'The sync stopped early because its worker process is stopping.',
          hint: 'Nothing to do: the next sync loads the rest.',
        }
    } catch (e) {
      const failure = asWarehouseError(e, () => undefined)
      error = notice('error', failure)
      logger.warn({ err: e, warehouseId: warehouse.id, syncId: sync.id }, 'warehouse sync failed')
    } finally {
      clearInterval(renewal)
      await this.#builder?.close().catch(() => {})
      await this.#loader?.close().catch(() => {})
    }
    const finishedAt = new Date().toISOString()
    const reports = [...this.#reports.values()]
    for (const report of reports) {
      if (error) report.notices.push(error)
      report.finishedAt = finishedAt
      report.status = reportStatus(report.rows, report.notices)
    }
    const status = syncStatus(reports, error !== undefined)
    if (!this.#lost) {
      for (const report of reports) await this.#store.warehouseSyncs.saveReport(report)
      await this.#progress()
      await this.#store.warehouseSyncs.finish(sync.id, this.#o.owner, { status, ...(error && { error }) })
    }
    logger.info(
      { warehouseId: warehouse.id, syncId: sync.id, status, rows: this.#rows, records: this.#records },
      'warehouse sync finished',
    )
    return { status, rows: this.#rows, records: this.#records, reports, ...(error && { error }) }
  }

  /** A report per connected source from the start, so a sync with nothing staged still shows. */
  async #startReports(): Promise<void> {
    const { warehouse } = this.#o
    const overrides = await this.#store.warehouseSchemas.overrides(warehouse.id)
    for (const sourceId of await this.#store.warehouses.connectedSourceIds(
      warehouse.workspaceId,
      warehouse.id,
    )) {
      if (selectiveSyncRules(overrides, sourceId).sourceEnabled) this.#report(sourceId)
    }
  }

  #report(sourceId: string): WarehouseSyncReport {
    let report = this.#reports.get(sourceId)
    if (report === undefined) {
      report = {
        syncId: this.#o.sync.id,
        sourceId,
        workspaceId: this.#o.warehouse.workspaceId,
        warehouseId: this.#o.warehouse.id,
        status: 'running',
        startedAt: new Date().toISOString(),
        finishedAt: null,
        rows: 0,
        tables: {},
        notices: [],
        preparationMs: 0,
        loadingMs: 0,
      }
      this.#reports.set(sourceId, report)
    }
    return report
  }

  async #loadStaged(): Promise<void> {
    const { stream, topic, warehouse, signal } = this.#o
    const syncs = this.#store.warehouseSyncs
    const startedAt = Date.now()
    const position = await stream.position(topic, WAREHOUSE_SYNC_GROUP)
    const head = (await stream.stats()).topics.find((t) => t.topic === topic)?.headOffset ?? position
    this.#head = head
    this.#expected = Math.max(0, head - position)
    await this.#progress({ recordsTotal: this.#expected })
    if (this.#builder?.usesThreads(this.#expected)) this.#builder.start()
    // A chunk an earlier sync began and did not commit is loaded first, exactly as it was.
    let redo = await syncs.pendingChunk(warehouse.id)
    if (redo && redo.through <= position) redo = undefined

    // Pipelined: chunks are read and built ahead (by a producer, with build threads several at once)
    // while the chunk before loads. Nothing of a chunk is written before its turn: its bounds are
    // recorded, it loads, then its position is committed, one chunk after the other.
    const ahead = new ChunkQueue(() => this.#builder?.parallelism() ?? 1)
    const producer = (async () => {
      let after = position
      try {
        while (await ahead.room()) {
          const next = await this.#next(after, redo, startedAt)
          redo = undefined
          if (next === undefined) break
          ahead.push(next.prepared)
          after = next.through
        }
        ahead.end()
      } catch (e) {
        ahead.fail(e)
      }
    })()
    try {
      while (!this.#lost) {
        if (signal?.aborted) {
          this.#stoppedEarly = true
          break
        }
        const waiting = performance.now()
        const next = await ahead.take()
        if (next === undefined) break
        const chunk = await next
        const waitedMs = performance.now() - waiting
        // The chunk before's reports and progress, written while it loaded: a failed write ends the run
        // here, and a lease lost meanwhile stops it before anything more is written.
        await this.#written
        if (this.#lost) break
        // The chunk's bounds are recorded before anything of it loads; once its position is committed
        // they are stale (`pendingChunk` is ignored at or before the position) and the next chunk's
        // bounds take their place.
        await syncs.startChunk(warehouse.id, { after: chunk.after, through: chunk.through })
        await this.#loadChunk(chunk, waitedMs)
        await this.#o.afterChunkLoaded?.()
        await stream.commit(topic, WAREHOUSE_SYNC_GROUP, chunk.through)
        this.#records += chunk.records
        // Reports and progress so far are written while the next chunk loads.
        const reports = [...this.#reports.values()].map((report) => structuredClone(report))
        const done = { recordsDone: this.#records, rowsLoaded: this.#rows }
        void this.#later(async () => {
          for (const report of reports) await syncs.saveReport(report)
          await this.#progress(done)
        })
      }
      if (!this.#lost) await this.#later(() => syncs.endChunk(warehouse.id))
    } finally {
      // Chunks read ahead and not loaded are dropped: nothing of them was written.
      ahead.close()
      await producer
      await ahead.drain()
      await this.#written.catch(() => {})
    }
  }

  /**
   * Writes to the control plane that need not hold up the next load (reports, progress, the schema
   * record), in order, after those before; the promise settles when this one is written. A failed
   * write fails the ones after it, and the run: the loop awaits the writes before each chunk.
   */
  #later(write: () => Promise<void>): Promise<void> {
    const written = this.#written.then(write)
    // Awaited later (before the next chunk, at the end): never an unhandled rejection meanwhile.
    written.catch(() => {})
    this.#written = written
    return written
  }

  /**
   * Reads the chunk after `after` (exactly the pending chunk when redoing one) and sends it off to be
   * prepared: per source, its rows planned against the schema known now and made ready for the loader.
   * What needs the control plane or the warehouse (Selective Sync rules, sources, the schemas of
   * sources not seen yet) is done before this returns; building may go on in the background. Chunks
   * settle in turn: one sent off before the chunk ahead of it was planned has its plan restated
   * against the schema that one leaves (`#settle`). `undefined` when nothing is left to load.
   */
  async #next(
    after: number,
    redo: { through: number } | undefined,
    startedAt: number,
  ): Promise<{ through: number; prepared: Promise<PreparedChunk> } | undefined> {
    const max = redo ? redo.through - after : this.#chunkSize(after)
    const reader = new ChunkReader(this.#o.stream, this.#o.topic, after, max, redo, startedAt)
    const uuidTs = new Date()
    const chunkSources = new ChunkSources(
      await this.#store.warehouseSchemas.overrides(this.#o.warehouse.id),
      (id) => this.#source(id),
    )

    if (this.#builder === undefined) {
      const records = await reader.all()
      if (records.length === 0) return undefined
      await chunkSources.see(records)
      const chunk = { after, through: reader.through, records: records.length, uuidTs }
      return {
        through: chunk.through,
        prepared: Promise.resolve(await this.#prepared(chunk, records, chunkSources)),
      }
    }

    // COPY rows, built batch by batch as the records are read (in the threads when the sync is big).
    const loader = this.#loader!
    const start: CopyChunkStart = {
      uuidTs: uuidTs.getTime(),
      maxColumnsPerTable: loader.capabilities.maxColumnsPerTable,
    }
    const bases = new Map<string, TableColumns>()
    let job: CopyJob | undefined
    for (;;) {
      const records = await reader.batch()
      if (records.length === 0) break
      const fresh = await chunkSources.see(records)
      const sources: Record<string, CopySourceInput | null> = {}
      for (const sourceId of fresh) {
        const source = chunkSources.sources.get(sourceId)
        if (source === undefined) {
          sources[sourceId] = null
          continue
        }
        const base =
          this.#schemas.get(sourceId) ??
          tableColumns(await loader.describe(sourceSchemaName(source.slug, source.id)))
        bases.set(sourceId, base)
        sources[sourceId] = { rules: chunkSources.rules.get(sourceId)!, schema: base }
      }
      const { keys, values } = recordsOf(records, chunkSources.sources)
      // Every chunk of a big run goes to the threads, its small first and last ones too.
      job ??= this.#builder.begin(start, Math.max(max, this.#expected))
      if (!job.inline) {
        job.add({ keys, values, sources })
        // Reads are synchronous: between two, the loads of the chunk before get their turn (without
        // this, a chunk read ahead would hold up their replies for as long as it takes to read).
        await new Promise((resolve) => setImmediate(resolve))
      } else
        for (let i = 0; i < keys.length; i += INLINE_SLICE_RECORDS) {
          const end = i + INLINE_SLICE_RECORDS
          job.add({ keys: keys.slice(i, end), values: values.slice(i, end), sources: i === 0 ? sources : {} })
          // Built here, a slice at a time: the chunk loading meanwhile gets its turns.
          await new Promise((resolve) => setImmediate(resolve))
        }
    }
    if (reader.read === 0) return undefined
    const chunk = { after, through: reader.through, records: reader.read, uuidTs }
    const built = job?.finish() ?? Promise.resolve({ sources: [], transfer: [] })
    // Settled in turn: the chunk ahead of this one leaves the schema this one's plan is restated on.
    const turn = this.#settled
    // Its records again, for a chunk built again.
    const reread = () =>
      new ChunkReader(this.#o.stream, this.#o.topic, after, chunk.records, redo, startedAt).all()
    const prepared = (async () => {
      await turn.catch(() => {})
      return this.#settle(chunk, chunkSources, bases, built, reread)
    })()
    this.#settled = prepared
    return { through: chunk.through, prepared }
  }

  /**
   * Records of the chunk after `after`: `chunkRecords`, except that a pipelined run starts with smaller
   * chunks (an eighth, a quarter, a half), so that the first load starts early instead of after a whole
   * chunk was built, and ends with smaller ones (half of what is left, while that is less than two
   * chunks; a quarter of a chunk or less at once), so that the last load, which nothing overlaps, is
   * short.
   */
  #chunkSize(after: number): number {
    const full = this.#o.chunkRecords ?? DEFAULT_CHUNK_RECORDS
    if (this.#builder === undefined) return full
    let size = Math.ceil(full / 2 ** Math.max(0, RAMP_STEPS - this.#chunksSent))
    this.#chunksSent++
    const left = this.#head - after
    // Not split further below a quarter: each chunk's loads cost milliseconds per table, however small.
    if (left < 2 * full) size = Math.min(size, left <= full / 4 ? left : Math.ceil(left / 2))
    return Math.min(full, Math.max(RAMP_MIN_RECORDS, size))
  }

  /** A chunk read whole and prepared in this thread: the lake's rows, or planned rows for the loader. */
  async #prepared(
    chunk: Omit<PreparedChunk, 'sources'>,
    records: readonly StreamRecord[],
    chunkSources: ChunkSources,
  ): Promise<PreparedChunk> {
    const { sources, rules } = chunkSources
    const include = (id: string) => sources.has(id)
    const prepared: PreparedSource[] = []
    if (this.#lakeRoot !== undefined || this.#loader === undefined) {
      for (const [sourceId, staged] of stagedRows(records, chunk.uuidTs, include)) {
        const { rows } = applySelectiveSync(staged.rows, rules.get(sourceId)!)
        prepared.push({ ...counts(sourceId, staged), source: sources.get(sourceId), rows })
      }
      return { ...chunk, sources: prepared }
    }
    const loader = this.#loader
    const maxColumnsPerTable = loader.capabilities.maxColumnsPerTable
    for (const [sourceId, staged] of stagedRows(records, chunk.uuidTs, include)) {
      const source = sources.get(sourceId)
      if (source === undefined) {
        prepared.push({ ...counts(sourceId, staged), source })
        continue
      }
      const known = this.#schemas.get(sourceId)
      const current = known ?? tableColumns(await loader.describe(sourceSchemaName(source.slug, source.id)))
      const { rows } = applySelectiveSync(staged.rows, rules.get(sourceId)!)
      const { rows: planned, ...plan } = planSchema(current, rows, { maxColumnsPerTable })
      this.#schemas.set(sourceId, plan.schema)
      const loads = [...byTable(planned)].map(([table, tableRows]): TableLoad => {
        const types = plan.schema[table]!
        const columns = columnsOf(tableRows).map((name) => ({ name, type: types[name]! }))
        return { table, columns, rows: tableRows }
      })
      prepared.push({ ...counts(sourceId, staged), source, plan, loads, firstOfRun: known === undefined })
    }
    return { ...chunk, sources: prepared }
  }

  /**
   * A built chunk, its plans restated against the schema the chunks before it left; built again, here,
   * when a plan does not stand (`rebasePlan`) or its thread died. The run's schemas then move on to the
   * chunk's plans.
   */
  async #settle(
    chunk: Omit<PreparedChunk, 'sources'>,
    chunkSources: ChunkSources,
    bases: ReadonlyMap<string, TableColumns>,
    built: Promise<CopyChunk>,
    reread: () => Promise<StreamRecord[]>,
  ): Promise<PreparedChunk> {
    const maxColumnsPerTable = this.#loader!.capabilities.maxColumnsPerTable
    const actual = new Map<string, TableColumns>()
    for (const [sourceId, base] of bases) actual.set(sourceId, this.#schemas.get(sourceId) ?? base)
    let outcome: CopyChunk | undefined
    try {
      outcome = await built
    } catch (e) {
      if (!(e instanceof ChunkThreadGone)) throw e
    }
    let plans: Map<string, CopySchemaPlan> | undefined = new Map()
    for (const { sourceId, plan } of outcome?.sources ?? []) {
      if (plan === undefined) continue
      const rebased = rebasePlan(plan, bases.get(sourceId)!, actual.get(sourceId)!, maxColumnsPerTable)
      if (rebased === undefined) {
        plans = undefined
        break
      }
      plans.set(sourceId, rebased)
    }
    if (outcome === undefined || plans === undefined) {
      // The same records again, built here against the schemas as they are now.
      const build = new CopyChunkBuild({ uuidTs: chunk.uuidTs.getTime(), maxColumnsPerTable })
      const sources: Record<string, CopySourceInput | null> = {}
      const keys: string[] = []
      const values: (string | Uint8Array)[] = []
      for (const record of await reread()) {
        if (!chunkSources.sources.has(record.key)) continue
        if (!Object.hasOwn(sources, record.key)) {
          const schema = actual.get(record.key)
          sources[record.key] =
            schema === undefined ? null : { rules: chunkSources.rules.get(record.key)!, schema }
        }
        keys.push(record.key)
        values.push(record.value)
      }
      build.add({ keys, values, sources })
      outcome = build.finish()
      plans = new Map()
      for (const { sourceId, plan } of outcome.sources) if (plan !== undefined) plans.set(sourceId, plan)
    }
    const prepared: PreparedSource[] = []
    for (const built_ of outcome.sources) {
      const { sourceId, batches } = built_
      const plan = plans.get(sourceId)
      const source = chunkSources.sources.get(sourceId)
      if (plan === undefined || source === undefined) {
        prepared.push({ ...counts(sourceId, built_), source: undefined })
        continue
      }
      const firstOfRun = !this.#schemas.has(sourceId)
      this.#schemas.set(sourceId, plan.schema)
      const loads = batches!.map((batch): TableLoad => ({ table: batch.table, batch }))
      prepared.push({ ...counts(sourceId, built_), source, plan, loads, firstOfRun })
    }
    return { ...chunk, sources: prepared }
  }

  async #loadChunk(chunk: PreparedChunk, waitedMs: number): Promise<void> {
    const at = chunk.uuidTs.toISOString()
    const messages = chunk.sources.reduce((n, s) => n + s.messages, 0)
    for (const prepared of chunk.sources) {
      const report = this.#report(prepared.sourceId)
      if (prepared.unreadable > 0)
        report.notices.push({
          level: 'error',
          createdAt: at,
          message: `${prepared.unreadable} staged record(s) were not messages and were skipped`,
        })
      const source = prepared.source
      if (source === undefined) {
        report.notices.push({
          level: 'warning',
          createdAt: at,
          message: `${prepared.messages} message(s) of source ${prepared.sourceId} were not loaded: the source was deleted`,
        })
        continue
      }
      // The time the sync waited for the chunk's rows, shared by its sources by their messages.
      report.preparationMs += messages > 0 ? (waitedMs * prepared.messages) / messages : 0
      // Named by its bounds: a chunk redone after a crash writes the same lake files again.
      if (this.#lakeRoot !== undefined)
        await this.#exportSource(source, prepared.rows!, report, at, `o${chunk.after + 1}-${chunk.through}`)
      else await this.#loadSource(source, prepared, report, at)
    }
  }

  async #loadSource(source: Source, prepared: PreparedSource, report: WarehouseSyncReport, at: string) {
    const loader = this.#loader!
    const plan = prepared.plan!
    const schemaName = sourceSchemaName(source.slug, source.id)
    const prepared_ = performance.now()
    report.notices.push(...planNotices(plan.conflicts, plan.skippedColumns, at))
    const evolves = plan.createTables.length > 0 || plan.addColumns.length > 0
    if (evolves) await loader.evolveSchema(schemaName, plan)
    // The record changes with the first chunk of a run (the warehouse as found) and with new columns.
    if (prepared.firstOfRun || evolves)
      void this.#later(() =>
        this.#store.warehouseSchemas.record(this.#o.warehouse.id, source.id, plan.schema),
      )
    const loading = performance.now()
    report.preparationMs += loading - prepared_

    // Tables load side by side (each its own transaction), the biggest first, so that the chunk's last
    // loads are small ones running beside each other; outcomes are applied in plan order.
    const tables = prepared.loads!
    const outcomes = await mapLimited(tables, TABLES_IN_PARALLEL, loadSize, async (load) => {
      try {
        return { ok: true as const, rows: await loadTable(loader, schemaName, load) }
      } catch (e) {
        return { ok: false as const, error: e }
      }
    })
    let fatal: unknown
    outcomes.forEach((outcome, i) => {
      const table = tables[i]!.table
      if (outcome.ok) {
        report.tables[table] = (report.tables[table] ?? 0) + outcome.rows
        report.rows += outcome.rows
        this.#rows += outcome.rows
        return
      }
      // A row the table refuses, or a name the warehouse cannot take, will never load: the table's
      // rows of this chunk are reported and left out so that the rest of the warehouse keeps syncing.
      // Anything else (the connection, permissions, a transient error) ends the sync, uncommitted.
      const e = outcome.error
      if (isWarehouseError(e) && (e.kind === 'data' || e.kind === 'naming'))
        report.notices.push({ ...notice('error', e), table })
      else fatal ??= e
    })
    if (fatal !== undefined) throw fatal
    report.loadingMs += performance.now() - loading
  }

  /** Writes a source's rows of the chunk as Parquet files into the lake, with the run's report. */
  async #exportSource(
    source: Source,
    rows: readonly TableRow[],
    report: WarehouseSyncReport,
    at: string,
    chunkName: string,
  ) {
    const started = performance.now()
    const { tables, conflicts } = lakeTables(rows)
    report.notices.push(...planNotices(conflicts, [], at))
    if (tables.length === 0) return
    const lake = await exportToLake({
      root: this.#lakeRoot!,
      sourceId: source.id,
      workspaceId: source.workspaceId,
      runId: chunkName,
      tables,
    })
    if (lake.status === 'failed') {
      const e = lake.error!
      throw new WarehouseError(e.kind, e.message, { hint: e.hint })
    }
    for (const table of lake.tables) {
      report.tables[table.segmentType] = (report.tables[table.segmentType] ?? 0) + table.rows
      report.rows += table.rows
      this.#rows += table.rows
    }
    report.loadingMs += performance.now() - started
  }

  async #source(sourceId: string): Promise<Source | undefined> {
    if (!this.#sources.has(sourceId))
      this.#sources.set(sourceId, await this.#store.sources.get(this.#o.warehouse.workspaceId, sourceId))
    return this.#sources.get(sourceId)
  }

  /** Renews the lease with the counts so far; notices when the sync is no longer ours. */
  async #progress(
    counts: { recordsTotal?: number; recordsDone?: number; rowsLoaded?: number } = {},
  ): Promise<void> {
    if (this.#lost) return
    try {
      const held = await this.#store.warehouseSyncs.progress(
        this.#o.sync.id,
        this.#o.owner,
        this.#o.leaseMs,
        { recordsDone: this.#records, rowsLoaded: this.#rows, ...counts },
      )
      if (!held) {
        this.#lost = true
        this.#o.logger.warn(
          { syncId: this.#o.sync.id },
          'warehouse sync no longer held (deleted or expired); stopping',
        )
      }
    } catch (e) {
      this.#o.logger.warn({ err: e, syncId: this.#o.sync.id }, 'could not renew the warehouse sync lease')
    }
  }
}

/**
 * The chunks read ahead, in order, between the run's producer (reading and sending chunks off) and the
 * run's loop (loading them): at most `depth()` wait at once.
 */
class ChunkQueue {
  readonly #chunks: Promise<PreparedChunk>[] = []
  #ended = false
  #closed = false
  #failure: { error: unknown } | undefined
  /** Who waits (the loop for a chunk, the producer for room). */
  #waiting: (() => void)[] = []

  constructor(private readonly depth: () => number) {}

  /** Waits until there is room for one more chunk; `false` once the loop is done with the queue. */
  async room(): Promise<boolean> {
    while (!this.#closed && this.#chunks.length >= this.depth()) await this.#wait()
    return !this.#closed
  }

  push(chunk: Promise<PreparedChunk>): void {
    // Rejected when the run is over anyway; awaited (and its error kept) when its turn comes.
    chunk.catch(() => {})
    this.#chunks.push(chunk)
    this.#notify()
  }

  /** No chunk after these. */
  end(): void {
    this.#ended = true
    this.#notify()
  }

  fail(error: unknown): void {
    this.#failure = { error }
    this.#notify()
  }

  /** The next chunk in order; `undefined` after the last. */
  async take(): Promise<Promise<PreparedChunk> | undefined> {
    for (;;) {
      const chunk = this.#chunks.shift()
      if (chunk !== undefined) {
        this.#notify()
        return chunk
      }
      if (this.#failure !== undefined) throw this.#failure.error
      if (this.#ended) return undefined
      await this.#wait()
    }
  }

  /** The loop is done: the producer stops at its next chunk. */
  close(): void {
    this.#closed = true
    this.#notify()
  }

  /** Waits for what was sent off, to leave nothing running. */
  async drain(): Promise<void> {
    for (const chunk of this.#chunks.splice(0)) await chunk.catch(() => undefined)
  }

  #wait(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  #notify(): void {
    for (const wake of this.#waiting.splice(0)) wake()
  }
}

/** Records read from the staging topic in batches, up to a chunk's end. */
class ChunkReader {
  /** Records read so far, and the offset of the last. */
  read = 0
  through: number
  #bytes = 0
  #done = false

  constructor(
    private readonly stream: EventStream,
    private readonly topic: string,
    after: number,
    private readonly max: number,
    /** Redoing a pending chunk: exactly up to its end, whatever it weighs. */
    private readonly redo: { through: number } | undefined,
    /** Records appended after the sync began are left for the next one. */
    private readonly startedAt: number,
  ) {
    this.through = after
  }

  /** The next batch of the chunk's records; empty at its end. */
  async batch(size = READ_BATCH_RECORDS): Promise<StreamRecord[]> {
    const left = this.max - this.read
    if (this.#done || left <= 0 || (this.redo === undefined && this.#bytes >= CHUNK_BYTES)) return []
    const records = await this.stream.read(this.topic, WAREHOUSE_SYNC_GROUP, {
      after: this.through,
      max: Math.min(size, left),
      maxBytes: this.redo === undefined ? CHUNK_BYTES - this.#bytes : Number.MAX_SAFE_INTEGER,
    })
    const kept = recordsBefore(records, this.redo, this.startedAt)
    // Past the chunk's end, or the records the sync began with: nothing after these.
    if (kept.length < records.length || records.length === 0) this.#done = true
    if (kept.length > 0) {
      this.read += kept.length
      this.through = kept.at(-1)!.offset
      this.#bytes += valueLengths(kept)
    }
    return kept
  }

  /** All the chunk's records. */
  async all(): Promise<StreamRecord[]> {
    const all: StreamRecord[] = []
    for (;;) {
      const records = await this.batch(this.max)
      if (records.length === 0) return all
      for (const r of records) all.push(r)
    }
  }
}

/**
 * The records within a chunk: through the end of the chunk being redone, else those appended by the
 * time the sync began. (This loop and the next are functions of their own, for the reason given at
 * `recordsOf`.)
 */
function recordsBefore(
  records: readonly StreamRecord[],
  redo: { through: number } | undefined,
  startedAt: number,
): StreamRecord[] {
  return redo
    ? records.filter((r) => r.offset <= redo.through)
    : records.filter((r) => r.appendedAt <= startedAt)
}

/**
 * The records' values' lengths: bytes of a byte value, characters of a string (the chunk's size is
 * bounded roughly; the stream's `valueBytes` counts a string's UTF-8 bytes).
 */
function valueLengths(records: readonly StreamRecord[]): number {
  let bytes = 0
  for (const r of records) bytes += typeof r.value === 'string' ? r.value.length : r.value.byteLength
  return bytes
}

/** A chunk's sources as its records name them: Selective Sync's rules, and each source turned on. */
class ChunkSources {
  /** In order of their first record. */
  readonly rules = new Map<string, SelectiveSyncRules>()
  /** Sources turned on (`undefined`: deleted, only counted); turned-off sources are left out. */
  readonly sources = new Map<string, Source | undefined>()

  constructor(
    private readonly overrides: Parameters<typeof selectiveSyncRules>[0],
    private readonly source: (id: string) => Promise<Source | undefined>,
  ) {}

  /** Notes the sources of `records`: those turned on that they are the first of. */
  async see(records: readonly StreamRecord[]): Promise<string[]> {
    const fresh: string[] = []
    let last: string | undefined
    for (const { key } of records) {
      // Records of one source mostly come in runs.
      if (key === last) continue
      last = key
      if (this.rules.has(key)) continue
      const rules = selectiveSyncRules(this.overrides, key)
      this.rules.set(key, rules)
      if (!rules.sourceEnabled) continue
      this.sources.set(key, await this.source(key))
      fresh.push(key)
    }
    return fresh
  }
}

/**
 * The keys and values of the records of `sources` (turned on), in order. A function of its own, not a
 * loop in `#next`: a loop over every record makes its function hot, and V8 compiles a hot function
 * again after each garbage collection that drops its code (`#next` took 60-70 ms of compiling each
 * time).
 */
function recordsOf(
  records: readonly StreamRecord[],
  sources: ReadonlyMap<string, unknown>,
): { keys: string[]; values: (string | Uint8Array)[] } {
  const keys: string[] = []
  const values: (string | Uint8Array)[] = []
  let last: string | undefined
  let included = false
  for (const record of records) {
    if (record.key !== last) {
      last = record.key
      included = sources.has(last)
    }
    if (included) {
      keys.push(record.key)
      values.push(record.value)
    }
  }
  return { keys, values }
}

/** A chunk read and made ready to load. */
interface PreparedChunk {
  /** Its bounds: the records after `after`, through `through`. */
  readonly after: number
  readonly through: number
  readonly records: number
  /** When its rows were made (`uuid_ts`). */
  readonly uuidTs: Date
  /** Its sources in order of their first record; sources turned off are not there. */
  readonly sources: readonly PreparedSource[]
}

interface PreparedSource {
  readonly sourceId: string
  /** `undefined`: the source was deleted; its messages are only counted. */
  readonly source: Source | undefined
  readonly messages: number
  readonly unreadable: number
  /** The lake's rows (Selective Sync applied). */
  readonly rows?: readonly TableRow[]
  /** A loader's plan and its tables' loads, in plan order. */
  readonly plan?: Omit<SchemaPlan, 'rows'>
  readonly loads?: readonly TableLoad[]
  /** The first chunk of the source in this run: its schema record is written. */
  readonly firstOfRun?: boolean
}

/** A table's rows of the chunk: COPY rows made by `planCopyBatches`, or planned rows. */
type TableLoad =
  | { readonly table: string; readonly batch: CopyBatch }
  | { readonly table: string; readonly columns: ColumnSpec[]; readonly rows: LoadRow[] }

const counts = (sourceId: string, c: { messages: number; unreadable: number }) => ({
  sourceId,
  messages: c.messages,
  unreadable: c.unreadable,
})

/** How much loading a table's rows of the chunk is: its COPY rows' bytes, or its rows. */
const loadSize = (load: TableLoad): number => ('batch' in load ? load.batch.data.length : load.rows.length)

/** Loads a table's rows of the chunk: the rows inserted or updated. */
async function loadTable(loader: WarehouseLoader, schema: string, load: TableLoad): Promise<number> {
  if ('batch' in load) {
    const { batch } = load
    if (batch.error !== undefined)
      throw new WarehouseError('data', batch.error.message, { hint: batch.error.hint })
    const loaded = await loader.loadCopyRows!(schema, load.table, batch, batch.mode)
    return loaded.inserted + loaded.updated
  }
  if (UPSERT_TABLES.has(load.table)) {
    const loaded = await loader.upsert(schema, load.table, load.columns, load.rows)
    return loaded.inserted + loaded.updated
  }
  return (await loader.load(schema, load.table, load.columns, load.rows)).inserted
}

function notice(level: WarehouseSyncNotice['level'], error: WarehouseError): WarehouseSyncNotice {
  return {
    level,
    message: error.message,
    createdAt: new Date().toISOString(),
    kind: error.kind,
    ...(error.code !== undefined && { code: error.code }),
    hint: error.hint,
  }
}

function tableColumns(schema: Map<string, Map<string, string>>): TableColumns {
  return Object.fromEntries(
    [...schema].map(([table, columns]) => [table, Object.fromEntries(columns)]),
  ) as TableColumns
}

/** `work` over `items`, at most `limit` at a time, the largest by `size` first; results in the items' order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  size: (item: T) => number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  const order = items.map((_, i) => i).sort((a, b) => size(items[b]!) - size(items[a]!))
  let next = 0
  const worker = async () => {
    while (next < order.length) {
      const i = order[next++]!
      results[i] = await work(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

function byTable(rows: readonly TableRow[]): Map<string, LoadRow[]> {
  const tables = new Map<string, LoadRow[]>()
  for (const { table, row } of rows) {
    let list = tables.get(table)
    if (list === undefined) tables.set(table, (list = []))
    list.push(row)
  }
  return tables
}

/** The columns a table's rows use, in order of first appearance (always with `id`). */
function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>(['id'])
  for (const row of rows) for (const column of Object.keys(row)) seen.add(column)
  return [...seen]
}
