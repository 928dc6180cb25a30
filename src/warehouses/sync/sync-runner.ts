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
 * The sync stops at the records that were staged when it began, so a busy source cannot keep it going.
 */
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
  type WarehouseLoader,
} from '../loaders/index.ts'
import { planSchema, UPSERT_TABLES, type TableColumns, type TableRow } from '../schema/index.ts'
import { selectiveSyncRules } from './selective-sync.ts'
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
/** Tables of a chunk loaded at once (PostgreSQL uses a connection each; DuckDB runs them in turn). */
const TABLES_IN_PARALLEL = 3
const CHUNK_BYTES = 64 * 1024 * 1024

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
    let position = await stream.position(topic, WAREHOUSE_SYNC_GROUP)
    const head = (await stream.stats()).topics.find((t) => t.topic === topic)?.headOffset ?? position
    await this.#progress({ recordsTotal: Math.max(0, head - position) })
    // A chunk an earlier sync began and did not commit is loaded first, exactly as it was.
    let redo = await syncs.pendingChunk(warehouse.id)
    if (redo && redo.through <= position) redo = undefined

    while (!this.#lost) {
      if (signal?.aborted) {
        this.#stoppedEarly = true
        break
      }
      const max = redo ? redo.through - position : (this.#o.chunkRecords ?? DEFAULT_CHUNK_RECORDS)
      let records = await stream.read(topic, WAREHOUSE_SYNC_GROUP, {
        after: position,
        max,
        maxBytes: CHUNK_BYTES,
      })
      records = redo
        ? records.filter((r) => r.offset <= redo!.through)
        : records.filter((r) => r.appendedAt <= startedAt)
      if (records.length === 0) break
      const through = records.at(-1)!.offset
      await syncs.startChunk(warehouse.id, { after: position, through })
      // Named by its bounds: a chunk redone after a crash writes the same lake files again.
      await this.#loadChunk(records, `o${position + 1}-${through}`)
      await this.#o.afterChunkLoaded?.()
      await stream.commit(topic, WAREHOUSE_SYNC_GROUP, through)
      await syncs.endChunk(warehouse.id)
      this.#records += records.length
      position = through
      redo = undefined
      for (const report of this.#reports.values()) await syncs.saveReport(report)
      await this.#progress()
    }
  }

  async #loadChunk(records: readonly StreamRecord[], chunkName: string): Promise<void> {
    const { warehouse } = this.#o
    const uuidTs = new Date()
    const overrides = await this.#store.warehouseSchemas.overrides(warehouse.id)
    for (const [sourceId, staged] of stagedRows(records, uuidTs)) {
      const rules = selectiveSyncRules(overrides, sourceId)
      if (!rules.sourceEnabled) continue
      const report = this.#report(sourceId)
      const at = uuidTs.toISOString()
      if (staged.unreadable > 0)
        report.notices.push({
          level: 'error',
          createdAt: at,
          message: `${staged.unreadable} staged record(s) were not messages and were skipped`,
        })
      const source = await this.#source(sourceId)
      if (source === undefined) {
        report.notices.push({
          level: 'warning',
          createdAt: at,
          message: `${staged.messages} message(s) of source ${sourceId} were not loaded: the source was deleted`,
        })
        continue
      }
      const { rows } = applySelectiveSync(staged.rows, rules)
      if (this.#lakeRoot !== undefined) await this.#exportSource(source, rows, report, at, chunkName)
      else await this.#loadSource(source, rows, report, at)
    }
  }

  async #loadSource(source: Source, rows: readonly TableRow[], report: WarehouseSyncReport, at: string) {
    const loader = this.#loader!
    const schemaName = sourceSchemaName(source.slug, source.id)
    const prepared = performance.now()
    const known = this.#schemas.get(source.id)
    const current = known ?? tableColumns(await loader.describe(schemaName))
    const plan = planSchema(current, rows, { maxColumnsPerTable: loader.capabilities.maxColumnsPerTable })
    report.notices.push(...planNotices(plan.conflicts, plan.skippedColumns, at))
    if (plan.createTables.length > 0 || plan.addColumns.length > 0) await loader.ensureSchema(schemaName)
    for (const { table, columns } of plan.createTables) await loader.createTable(schemaName, table, columns)
    for (const { table, columns } of plan.addColumns) await loader.addColumns(schemaName, table, columns)
    this.#schemas.set(source.id, plan.schema)
    // The record changes with the first chunk of a run (the warehouse as found) and with new columns.
    if (known === undefined || plan.createTables.length > 0 || plan.addColumns.length > 0)
      await this.#store.warehouseSchemas.record(this.#o.warehouse.id, source.id, plan.schema)
    const loading = performance.now()
    report.preparationMs += loading - prepared

    // Tables load side by side (each its own transaction); outcomes are applied in plan order.
    const tables = [...byTable(plan.rows)]
    const outcomes = await mapLimited(tables, TABLES_IN_PARALLEL, async ([table, tableRows]) => {
      const types = plan.schema[table]!
      const columns: ColumnSpec[] = columnsOf(tableRows).map((name) => ({ name, type: types[name]! }))
      try {
        const loaded = UPSERT_TABLES.has(table)
          ? await loader.upsert(schemaName, table, columns, tableRows)
          : await loader.load(schemaName, table, columns, tableRows)
        const rows = loaded.inserted + ('updated' in loaded ? (loaded.updated as number) : 0)
        return { ok: true as const, rows }
      } catch (e) {
        return { ok: false as const, error: e }
      }
    })
    let fatal: unknown
    outcomes.forEach((outcome, i) => {
      const table = tables[i]![0]
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
  async #progress(extra: { recordsTotal?: number } = {}): Promise<void> {
    if (this.#lost) return
    try {
      const held = await this.#store.warehouseSyncs.progress(
        this.#o.sync.id,
        this.#o.owner,
        this.#o.leaseMs,
        {
          ...extra,
          recordsDone: this.#records,
          rowsLoaded: this.#rows,
        },
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

/** `work` over `items`, at most `limit` at a time; results in the items' order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await work(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}

function byTable(rows: readonly TableRow[]): Map<string, TableRow['row'][]> {
  const tables = new Map<string, TableRow['row'][]>()
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
