/**
 * Warehouse sync into PostgreSQL: rows per second that a real sync (`runWarehouseSync`: staging
 * topic → rows → schema evolution → dedup on id → COPY into the tables, `users` upserted through a
 * staging table; chunks read and built while the one before loads) loads, against a raw
 * `COPY … FROM STDIN` of the same rows into plain tables with the same columns, measured in the same
 * run (goal: at least 0.5 of raw COPY). The raw COPY is in the text format, `COPY`'s default; the sync
 * sends its rows in the binary format, which the server parses less, so each round also times a raw
 * binary COPY of the same rows and prints the sync's ratio against that too.
 *
 * `--messages` Segment-like stored messages (mostly `track` of a few events with ~10 properties,
 * nested objects and an array; identify and page calls) are staged, in ingest's envelope, in a
 * warehouse's topic of the embedded SQLite stream, as the process stage stages them. A control plane
 * on SQLite holds a workspace, sources and a PostgreSQL warehouse pointing at a fresh database of its
 * own, dropped at the end; each sync is requested, claimed and run as the sync service runs it. The
 * baseline's rows come from the same staged records through the same pure functions (`stagedRows`,
 * `planSchema`, per-chunk dedup) and are encoded as COPY text beforehand; only the COPY is timed.
 *
 * `--rounds` rounds each stage the messages again for a source of its own (a schema of its own), then
 * time a raw COPY, the sync, and a raw COPY again, one right after the other, and rate the sync
 * against the mean of the round's two COPYs: a drift of the machine's speed during the round touches
 * both sides of its ratio alike (on this shared machine the same work takes up to half as long again
 * from one minute to the next). The ratio reported is the median of the rounds. Before each timed part
 * the server is vacuumed and checkpointed, and this process's heap collected, so that no part pays
 * for the one before; each part's tables are dropped after it.
 *
 * The syncs measured are not the process's first: as on a running server, whose sync service keeps
 * its build threads from one sync to the next, a smaller sync of another source (`--warmup`
 * messages) runs first, with the same threads. Its figures are printed too; `--warmup 0` makes the
 * first round a fresh process's first sync.
 *
 *   npx tsx bench/warehouse.ts [--messages 100000] [--chunk 20000] [--rounds 5] [--warmup 20000]
 *
 * PostgreSQL: `SWITCHYARD_TEST_POSTGRES_URL`, default postgres://postgres@127.0.0.1:5432/postgres (a
 * user that may create databases). `--help` lists the options.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { from as copyFrom } from 'pg-copy-streams'
import { pino } from 'pino'
import { openStore, type Store } from '../src/store/index.ts'
import { openStream, type EventStream, type StreamRecord } from '../src/stream/index.ts'
import { quoteIdentifier, type ColumnSpec, type LoadRow } from '../src/warehouses/loaders/index.ts'
import { dedupeRows } from '../src/warehouses/loaders/batch.ts'
import { copyTextChunks } from '../src/warehouses/loaders/postgres/postgres-copy.ts'
import {
  COPY_BINARY_HEADER,
  COPY_BINARY_TRAILER,
  copyBinaryChunks,
} from '../src/warehouses/loaders/postgres/postgres-copy-binary.ts'
import { POSTGRES_TYPES } from '../src/warehouses/loaders/postgres/postgres-loader.ts'
import { planSchema, UPSERT_TABLES, type TableColumns } from '../src/warehouses/schema/index.ts'
import {
  ChunkBuildThreads,
  runWarehouseSync,
  sourceSchemaName,
  stagedRows,
  WAREHOUSE_SYNC_GROUP,
} from '../src/warehouses/sync/index.ts'
import {
  createPostgresDatabase,
  postgresUnavailable,
  postgresWarehouseSettings,
  tempDir,
} from '../test/support/services.ts'

const { values } = parseArgs({
  options: {
    messages: { type: 'string' },
    chunk: { type: 'string' },
    warmup: { type: 'string' },
    rounds: { type: 'string' },
    help: { type: 'boolean' },
  },
})
if (values.help) {
  console.log(`Usage: npm run bench:warehouse -- [options]
  --messages N  stored messages staged and synced (default 100000)
  --chunk N     records per sync chunk (default 20000, the sync's default)
  --warmup N    messages of another source synced first, untimed, as a running server's earlier
                sync (default 20000; 0: time a fresh process's first sync)
  --rounds N    syncs of the messages timed, each for a source of its own; rated by the median
                (default 5)

Needs PostgreSQL at SWITCHYARD_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres)
with a user that may create databases; the bench creates one of its own and drops it.`)
  process.exit(0)
}
const MESSAGES = Number(values.messages ?? 100_000)
const CHUNK = Number(values.chunk ?? 20_000)
const WARMUP = Number(values.warmup ?? 20_000)
const ROUNDS = Number(values.rounds ?? 5)
if (!Number.isSafeInteger(MESSAGES) || MESSAGES < 1) throw new Error('--messages takes a whole number ≥ 1')
if (!Number.isSafeInteger(CHUNK) || CHUNK < 1) throw new Error('--chunk takes a whole number ≥ 1')
if (!Number.isSafeInteger(WARMUP) || WARMUP < 0) throw new Error('--warmup takes a whole number ≥ 0')
if (!Number.isSafeInteger(ROUNDS) || ROUNDS < 1) throw new Error('--rounds takes a whole number ≥ 1')
/** As the sync reads its chunks. */
const CHUNK_BYTES = 64 * 1024 * 1024
const POSTGRES_WAREHOUSE = '55d3d3aea3c'
const TOPIC_GROUP_BASELINE = 'bench-baseline'

// --- Messages ---------------------------------------------------------------------------------------

/** Deterministic pseudo-random numbers (mulberry32), so every run stages the same messages. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296
  }
}

const EVENTS = ['Product Viewed', 'Product Added', 'Order Completed', 'Checkout Started', 'Signed Up']
const PATHS = ['/', '/pricing', '/docs/getting-started', '/products/widget', '/blog/announcing-switchyard']
const AGENTS = [
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0',
]

function hex(rand: () => number, length: number): string {
  let text = ''
  while (text.length < length)
    text += Math.floor(rand() * 0x100000000)
      .toString(16)
      .padStart(8, '0')
  return text.slice(0, length)
}

const uuid = (rand: () => number) => {
  const h = hex(rand, 32)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`
}

function properties(event: string, i: number, rand: () => number): Record<string, unknown> {
  const price = Math.round(rand() * 20_000) / 100
  const quantity = 1 + Math.floor(rand() * 4)
  const sku = `SKU-${Math.floor(rand() * 5000)}`
  switch (event) {
    case 'Order Completed':
      return {
        order_id: `o-${i}`,
        total: Math.round(price * quantity * 100) / 100,
        revenue: price * quantity,
        shipping: 4.99,
        tax: Math.round(price * 19) / 100,
        currency: 'EUR',
        coupon: rand() < 0.2 ? 'SPRING' : null,
        products: [{ product_id: sku, sku, price, quantity }],
        payment: { method: rand() < 0.7 ? 'card' : 'paypal', installments: 1 },
        affiliation: 'web-store',
      }
    case 'Signed Up':
      return {
        plan: rand() < 0.5 ? 'free' : 'team',
        method: 'email',
        trial: true,
        seats: quantity,
        referrer: { type: 'campaign', id: `c-${Math.floor(rand() * 40)}` },
        newsletter: rand() < 0.3,
        source: 'landing',
        language: 'en',
        company_size: '11-50',
        invited: false,
      }
    default:
      return {
        product_id: sku,
        sku,
        name: `Widget ${sku}`,
        category: rand() < 0.5 ? 'Widgets' : 'Gadgets',
        price,
        quantity,
        currency: 'EUR',
        in_stock: rand() < 0.9,
        product: { brand: 'Acme', variant: rand() < 0.5 ? 'red' : 'blue', size: { width: 10, height: 24 } },
        position: Math.floor(rand() * 20),
        url: `https://shop.example.com/products/${sku}`,
      }
  }
}

/** A stored message as ingest leaves it: enriched with ids, times and context. */
function message(i: number, rand: () => number, start: number): Record<string, unknown> {
  const userNo = Math.floor(rand() * 20_000)
  const identified = rand() < 0.7
  const path = PATHS[Math.floor(rand() * PATHS.length)]!
  const at = start + i * 10
  const original = new Date(at).toISOString()
  const sent = new Date(at + 150).toISOString()
  const received = new Date(at + 400).toISOString()
  const common = {
    messageId: `ajs-next-${uuid(rand)}`,
    anonymousId: uuid(rand),
    ...(identified && { userId: `user-${userNo}` }),
    channel: 'client',
    context: {
      library: { name: 'analytics.js', version: 'next-1.84.3' },
      page: {
        path,
        referrer: 'https://www.google.com/',
        search: '',
        title: 'Switchyard Shop',
        url: `https://shop.example.com${path}`,
      },
      userAgent: AGENTS[Math.floor(rand() * AGENTS.length)]!,
      locale: 'en-US',
      ip: `203.0.113.${Math.floor(rand() * 254) + 1}`,
    },
    integrations: {},
    originalTimestamp: original,
    sentAt: sent,
    receivedAt: received,
    timestamp: new Date(at + 250).toISOString(),
  }
  const kind = rand()
  if (kind < 0.8) {
    const event = EVENTS[Math.floor(rand() * EVENTS.length)]!
    return { type: 'track', event, properties: properties(event, i, rand), ...common }
  }
  if (kind < 0.9)
    return {
      type: 'identify',
      ...common,
      userId: `user-${userNo}`,
      traits: {
        email: `user-${userNo}@example.com`,
        name: `User ${userNo}`,
        plan: rand() < 0.5 ? 'free' : 'team',
        logins: Math.floor(rand() * 300),
        created_at: new Date(start - userNo * 60_000).toISOString(),
        company: { name: `Company ${userNo % 500}`, employees: 10 + (userNo % 90) },
        address: { city: 'Berlin', country: 'DE' },
      },
    }
  return {
    type: 'page',
    name: path === '/' ? 'Home' : path.slice(1),
    category: 'Shop',
    properties: {
      path,
      referrer: 'https://www.google.com/',
      title: 'Switchyard Shop',
      url: `https://shop.example.com${path}`,
    },
    ...common,
  }
}

/** Stages the messages as the process stage does: ingest's envelope, keyed by the source id. */
async function stage(
  stream: EventStream,
  topic: string,
  ids: Ids,
  sourceId: string,
  count: number,
  seed: number,
): Promise<number> {
  const rand = random(seed)
  const start = Date.parse('2026-11-20T08:00:00.000Z')
  const envelopeStart = `{"sourceId":${JSON.stringify(sourceId)},"workspaceId":${JSON.stringify(ids.workspaceId)},"message":`
  let bytes = 0
  for (let i = 0; i < count; i += 1000) {
    const records = []
    for (let j = i; j < Math.min(count, i + 1000); j++) {
      const value = `${envelopeStart}${JSON.stringify(message(j, rand, start))}}`
      bytes += Buffer.byteLength(value)
      records.push({ key: sourceId, value })
    }
    await stream.append(topic, records)
  }
  return bytes
}

// --- Baseline: the same rows, raw COPY ----------------------------------------------------------------

interface BaselineTable {
  readonly table: string
  readonly columns: ColumnSpec[]
  readonly rows: LoadRow[]
}

/**
 * The rows the sync loads, computed as it computes them (chunk by chunk: staged rows, schema plan,
 * one row per id per table; users merged), with the columns the tables end up with.
 */
async function baselineRows(stream: EventStream, topic: string, from: number): Promise<BaselineTable[]> {
  let schema: TableColumns = {}
  const byTable = new Map<string, LoadRow[]>()
  let after = from
  for (;;) {
    const records: StreamRecord[] = await stream.read(topic, TOPIC_GROUP_BASELINE, {
      after,
      max: CHUNK,
      maxBytes: CHUNK_BYTES,
    })
    if (records.length === 0) break
    after = records.at(-1)!.offset
    for (const [, staged] of stagedRows(records, new Date())) {
      const plan = planSchema(schema, staged.rows)
      schema = plan.schema
      const chunk = new Map<string, LoadRow[]>()
      for (const { table, row } of plan.rows) {
        let list = chunk.get(table)
        if (list === undefined) chunk.set(table, (list = []))
        list.push(row)
      }
      for (const [table, rows] of chunk) {
        let all = byTable.get(table)
        if (all === undefined) byTable.set(table, (all = []))
        for (const row of dedupeRows(table, rows, UPSERT_TABLES.has(table) ? 'merge' : 'first')) all.push(row)
      }
    }
  }
  await stream.removeGroup(topic, TOPIC_GROUP_BASELINE)
  return [...byTable].map(([table, rows]) => ({
    table,
    columns: Object.entries(schema[table]!).map(([name, type]) => ({ name, type })),
    rows,
  }))
}

const ident = (name: string) => quoteIdentifier(name, 'column', 63)

interface EncodedTable {
  readonly table: string
  readonly columns: readonly ColumnSpec[]
  readonly rows: number
  /** COPY text. */
  readonly text: readonly Buffer[]
  /** The same rows in COPY's binary format, header and trailer included. */
  readonly binary: readonly Uint8Array[]
}

/**
 * COPY data per table, made before the timed part. Only the bytes are kept (outside the JS heap), so
 * the sync does not run with the baseline's rows on its heap.
 */
function encode(tables: readonly BaselineTable[]): EncodedTable[] {
  return tables.map(({ table, columns, rows }) => ({
    table,
    columns,
    rows: rows.length,
    text: [...copyTextChunks(table, columns, rows)].map((chunk) => Buffer.from(chunk)),
    binary: [COPY_BINARY_HEADER, ...copyBinaryChunks(table, columns, rows), COPY_BINARY_TRAILER],
  }))
}

/**
 * Creates plain tables in `schema` and COPYs the encoded rows into them, as text or in the binary
 * format: how long the COPYs took.
 */
async function rawCopy(
  url: string,
  schema: string,
  encoded: readonly EncodedTable[],
  format: 'text' | 'binary',
): Promise<{ seconds: number; serverCpuSeconds: number | undefined }> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' })
  await client.connect()
  try {
    await client.query(`CREATE SCHEMA ${ident(schema)}`)
    for (const { table, columns } of encoded) {
      const list = columns.map((c) => `${ident(c.name)} ${POSTGRES_TYPES[c.type]}`).join(', ')
      await client.query(`CREATE TABLE ${ident(schema)}.${ident(table)} (${list})`)
    }
    await quiesce(client)
    const serverCpu = postgresCpuSeconds()
    const started = performance.now()
    for (const { table, columns, text, binary } of encoded) {
      const names = columns.map((c) => ident(c.name)).join(', ')
      const options = format === 'binary' ? ' (FORMAT binary)' : ''
      const copy = client.query(
        copyFrom(`COPY ${ident(schema)}.${ident(table)} (${names}) FROM STDIN${options}`),
      )
      await pipeline(Readable.from(format === 'binary' ? binary : text), copy)
    }
    const seconds = (performance.now() - started) / 1000
    return { seconds, serverCpuSeconds: since(serverCpu, postgresCpuSeconds()) }
  } finally {
    await client.end()
  }
}

async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`)
  } finally {
    await client.end()
  }
}

/**
 * CPU seconds used so far by the PostgreSQL server's processes, when it runs on this machine (Linux,
 * read from /proc: every process named `postgres`); else `undefined`.
 */
function postgresCpuSeconds(): number | undefined {
  let ticks = 0
  let found = false
  try {
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue
      let stat: string
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      } catch {
        continue // ended meanwhile
      }
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue
      // After the name: state, then fields 4…; utime, stime, cutime, cstime are fields 14–17.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      for (let i = 11; i <= 14; i++) ticks += Number(fields[i])
      found = true
    }
  } catch {
    return undefined
  }
  // Clock ticks are 1/100 s on Linux.
  return found ? ticks / 100 : undefined
}

const since = (from: number | undefined, to: number | undefined) =>
  from === undefined || to === undefined ? undefined : to - from

/**
 * Starts each timed part on a quiet server: the tables loaded so far vacuumed and analyzed (else
 * autovacuum would do it during the next timed part, on a core it needs), and no dirty buffers of the
 * previous part pending (CHECKPOINT is a superuser's; else skipped).
 */
async function quiesce(client: pg.Client): Promise<void> {
  await client.query('VACUUM ANALYZE')
  await client.query('CHECKPOINT').catch(() => {})
  // And this process's heap without the garbage of what ran before (the baseline's preparation leaves
  // hundreds of megabytes): with `--expose-gc`, as `npm run bench:warehouse` runs it.
  ;(globalThis as { gc?: () => void }).gc?.()
  await settle()
}

/**
 * Waits until what ran before has finished in the background: the stream's WAL checkpoints (a thread
 * of this process) after the messages were staged, and the kernel's writing of dirty pages. At most
 * ten seconds; this process is idle when it used under a tenth of a core over a quarter of a second.
 */
async function settle(): Promise<void> {
  execFileSync('sync')
  for (let waited = 0; waited < 10_000; waited += 250) {
    const before = process.cpuUsage()
    await new Promise((resolve) => setTimeout(resolve, 250))
    const used = process.cpuUsage(before)
    if ((used.user + used.system) / 1000 < 25) break
  }
  execFileSync('sync')
}

// --- The sync ---------------------------------------------------------------------------------------

/** The stream, counting the time its reads take. */
function timedReads(stream: EventStream): { stream: EventStream; readMs: () => number } {
  let ms = 0
  const timed = new Proxy(stream, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (property === 'read')
        return async (...args: Parameters<EventStream['read']>) => {
          const started = performance.now()
          try {
            return await target.read(...args)
          } finally {
            ms += performance.now() - started
          }
        }
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
  return { stream: timed, readMs: () => ms }
}

interface SyncFigures {
  readonly seconds: number
  readonly rows: number
  readonly records: number
  readonly status: string
  readonly preparationMs: number
  readonly loadingMs: number
  readonly readMs: number
  /** CPU time of this process (all its threads) during the sync. */
  readonly cpuSeconds: number
  /** CPU time of PostgreSQL's processes during the sync (`postgresCpuSeconds`). */
  readonly serverCpuSeconds: number | undefined
  readonly tables: Record<string, number>
}

async function sync(
  store: Store,
  stream: EventStream,
  dataDir: string,
  url: string,
  ids: Ids,
  buildPool: ChunkBuildThreads,
  sourceId: string,
): Promise<SyncFigures> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await quiesce(client)
  await client.end()
  const { sync: requested } = await store.warehouseSyncs.request({
    workspaceId: ids.workspaceId,
    warehouseId: ids.warehouse.id,
    trigger: 'manual',
    requestedBy: 'bench',
  })
  const claimed = await store.warehouseSyncs.claim('bench', 600_000)
  if (claimed?.id !== requested.id) throw new Error('could not claim the sync just requested')
  const timed = timedReads(stream)
  const cpu = process.cpuUsage()
  const serverCpu = postgresCpuSeconds()
  const started = performance.now()
  const result = await runWarehouseSync({
    store,
    stream: timed.stream,
    warehouse: ids.warehouse,
    sync: claimed,
    topic: ids.topic,
    dataDir,
    owner: 'bench',
    leaseMs: 600_000,
    logger: pino({ level: 'warn' }),
    chunkRecords: CHUNK,
    buildPool,
  })
  const seconds = (performance.now() - started) / 1000
  const serverCpuSeconds = since(serverCpu, postgresCpuSeconds())
  const used = process.cpuUsage(cpu)
  const cpuSeconds = (used.user + used.system) / 1e6
  if (result.status !== 'success')
    throw new Error(`the sync ended ${result.status}: ${JSON.stringify(result.error ?? result.reports)}`)
  const report = result.reports.find((r) => r.sourceId === sourceId)!
  return {
    seconds,
    rows: result.rows,
    records: result.records,
    status: result.status,
    preparationMs: report.preparationMs,
    loadingMs: report.loadingMs,
    readMs: timed.readMs(),
    cpuSeconds,
    serverCpuSeconds,
    tables: report.tables,
  }
}

interface Ids {
  readonly workspaceId: string
  readonly warehouse: Awaited<ReturnType<Store['warehouses']['create']>>
  readonly topic: string
}

async function setUp(store: Store, database: URL): Promise<Ids> {
  await store.migrate()
  const workspace = await store.workspaces.create({ slug: 'bench', name: 'Bench' })
  const warehouse = await store.warehouses.create({
    workspaceId: workspace.id,
    metadataId: POSTGRES_WAREHOUSE,
    name: 'Bench',
    enabled: true,
    settings: postgresWarehouseSettings(database.toString()),
  })
  return { workspaceId: workspace.id, warehouse, topic: `warehouse-${warehouse.id}` }
}

/** A JavaScript source connected to the warehouse (its own schema, named from `slug`): its id. */
async function addSource(store: Store, ids: Ids, slug: string): Promise<string> {
  const source = await store.sources.create({
    workspaceId: ids.workspaceId,
    slug,
    name: slug,
    enabled: true,
    metadataId: 'IqDTy1TpoU', // Javascript
  })
  await store.warehouses.connectSource(ids.workspaceId, ids.warehouse.id, source.id)
  return source.id
}

// --- Run ----------------------------------------------------------------------------------------------

const unavailable = await postgresUnavailable()
if (unavailable) {
  console.error(unavailable)
  process.exit(1)
}

const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString('en-US')
const serverCpu = (seconds: number | undefined) =>
  seconds === undefined ? '' : `; PostgreSQL's CPU ${seconds.toFixed(2)} s`
const dir = tempDir()
const database = await createPostgresDatabase()
const url = database.url!
const dataDir = join(dir, 'data')
mkdirSync(dataDir)
const store = openStore({ target: { kind: 'sqlite', path: join(dir, 'switchyard.db') }, secretKey: 'bench' })
const stream = await openStream({ kind: 'sqlite', dataDir, retention: { intervalMs: 0 } })
// As a sync service keeps them: from one sync to the next.
const buildPool = new ChunkBuildThreads()
try {
  const ids = await setUp(store, new URL(url))
  await stream.commit(ids.topic, WAREHOUSE_SYNC_GROUP, 0)
  if (WARMUP > 0) {
    const warmupSource = await addSource(store, ids, 'warmup')
    await stage(stream, ids.topic, ids, warmupSource, WARMUP, 7)
    const warm = await sync(store, stream, dataDir, url, ids, buildPool, warmupSource)
    await store.warehouses.disconnectSource(ids.workspaceId, ids.warehouse.id, warmupSource)
    console.log(
      `warm-up: the process's first sync, ${WARMUP.toLocaleString('en-US')} messages of another source ` +
        `into a schema of its own: ${warm.seconds.toFixed(2)} s, ${rate(warm.rows, warm.seconds)} rows/s, ` +
        `CPU ${warm.cpuSeconds.toFixed(2)} s`,
    )
  }
  const firstSource = await addSource(store, ids, 'web')
  const stagedFrom = await stream.position(ids.topic, WAREHOUSE_SYNC_GROUP)
  const stagedBytes = await stage(stream, ids.topic, ids, firstSource, MESSAGES, 42)

  const prepared = performance.now()
  const rows = await baselineRows(stream, ids.topic, stagedFrom)
  const rowsMs = performance.now() - prepared
  const encoded = encode(rows)
  rows.length = 0
  const encodeMs = performance.now() - prepared - rowsMs
  const baselineRowCount = encoded.reduce((n, t) => n + t.rows, 0)
  const copyBytes = encoded.reduce((n, e) => n + e.text.reduce((m, b) => m + b.byteLength, 0), 0)

  console.log(
    `warehouse sync into PostgreSQL${WARMUP > 0 ? ', after a warm-up sync' : ", the process's first sync"}: ` +
      `${MESSAGES.toLocaleString('en-US')} messages ` +
      `(${(stagedBytes / MESSAGES).toFixed(0)} bytes each), chunks of ${CHUNK.toLocaleString('en-US')}, ` +
      `${encoded.length} tables, ${baselineRowCount.toLocaleString('en-US')} rows ` +
      `(${(copyBytes / 1024 / 1024).toFixed(0)} MiB of COPY text)`,
  )
  console.log(
    `  baseline preparation (not timed): rows ${(rowsMs / 1000).toFixed(1)} s, COPY text ${(encodeMs / 1000).toFixed(1)} s`,
  )

  // Rounds of a sync of the same messages (staged again for a source of its own, a schema of its own,
  // before anything of the round is timed) between two raw COPYs, each round rated against the mean
  // of its two: a drift of the machine's speed over the round touches both sides of its ratio alike
  // (the sync is as far from the mean's middle as each COPY).
  const ratios: number[] = []
  const binaryRatios: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const slug = round === 1 ? 'web' : `web_${round}`
    const sourceId = round === 1 ? firstSource : await addSource(store, ids, slug)
    if (round > 1) await stage(stream, ids.topic, ids, sourceId, MESSAGES, 42)
    const before = await rawCopy(url, `raw_copy_${round}`, encoded, 'text')
    const synced = await sync(store, stream, dataDir, url, ids, buildPool, sourceId)
    // Every round's sync reports on the same number of sources: one.
    await store.warehouses.disconnectSource(ids.workspaceId, ids.warehouse.id, sourceId)
    // Each part's tables go before the next, so that each COPY finds the database as the first did,
    // and the next `VACUUM ANALYZE` does not analyse them again.
    await dropSchemas(url, [`raw_copy_${round}`, sourceSchemaName(slug, sourceId)])
    const after = await rawCopy(url, `raw_copy_after_${round}`, encoded, 'text')
    await dropSchemas(url, [`raw_copy_after_${round}`])
    // For comparison: the sync sends its rows in the binary format, which the server parses less.
    const binary = await rawCopy(url, `raw_binary_copy_${round}`, encoded, 'binary')
    await dropSchemas(url, [`raw_binary_copy_${round}`])
    const raw = (before.seconds + after.seconds) / 2
    const rawServerCpu =
      before.serverCpuSeconds === undefined || after.serverCpuSeconds === undefined
        ? undefined
        : (before.serverCpuSeconds + after.serverCpuSeconds) / 2
    const otherMs = synced.seconds * 1000 - synced.preparationMs - synced.loadingMs
    // A sync counts a user upserted again in a later chunk as a row, and its chunks (smaller at the
    // start and end of a run) are not the baseline's: it is rated by the rows both load, at most.
    const loaded = Math.min(synced.rows, baselineRowCount) / synced.seconds
    const ratio = loaded / (baselineRowCount / raw)
    const binaryRatio = loaded / (baselineRowCount / binary.seconds)
    ratios.push(ratio)
    binaryRatios.push(binaryRatio)
    console.log(
      `  round ${round}: ${ratio.toFixed(2)}× (against a binary raw COPY: ${binaryRatio.toFixed(2)}×)`,
    )
    console.log(
      `    raw COPY: ${raw.toFixed(2)} s (${before.seconds.toFixed(2)} s before the sync, ` +
        `${after.seconds.toFixed(2)} s after), ${rate(baselineRowCount, raw)} rows/s${serverCpu(rawServerCpu)}`,
    )
    console.log(
      `    raw COPY (binary): ${binary.seconds.toFixed(2)} s, ${rate(baselineRowCount, binary.seconds)} rows/s` +
        serverCpu(binary.serverCpuSeconds),
    )
    console.log(
      `    sync:     ${synced.seconds.toFixed(2)} s, ${rate(synced.rows, synced.seconds)} rows/s, ` +
        `${rate(synced.records, synced.seconds)} messages/s (${synced.rows.toLocaleString('en-US')} rows); ` +
        `CPU ${synced.cpuSeconds.toFixed(2)} s in this process (every thread)${serverCpu(synced.serverCpuSeconds)}`,
    )
    console.log(
      `      loading (dedup, COPY, upsert; the next chunks read and built meanwhile) ` +
        `${(synced.loadingMs / 1000).toFixed(2)} s, waiting for a chunk's rows and schema DDL ` +
        `${(synced.preparationMs / 1000).toFixed(2)} s, control plane ${(otherMs / 1000).toFixed(2)} s; ` +
        `stream reads (overlapped) ${(synced.readMs / 1000).toFixed(2)} s`,
    )
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!
  console.log(
    `  ratio (sync rows/s ÷ raw COPY rows/s, the median of ${ROUNDS} rounds; ${availableParallelism()} cores): ` +
      `${median(ratios).toFixed(2)}× (goal ≥ 0.5×; against a binary raw COPY ${median(binaryRatios).toFixed(2)}×; ` +
      `load average ${loadavg()[0]!.toFixed(1)})`,
  )
} finally {
  await buildPool.close()
  await stream.close()
  await store.close()
  await database.drop()
  rmSync(dir, { recursive: true, force: true })
}
