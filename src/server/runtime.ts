import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { AuditForwarder, AuditRetention, publicApi } from '../api/index.ts'
import type { SwitchyardConfig } from '../config/index.ts'
import { SwitchyardError } from '../errors/index.ts'
import { IngestRejectionCounter, ingest } from '../ingest/index.ts'
import {
  bootstrapWorkspace,
  openStore,
  resolveSecretKey,
  type BootstrapResult,
  type DatabaseTarget,
  type Store,
} from '../store/index.ts'
import { MeteringConsumer } from '../metering/index.ts'
import { ArchiveConsumer, ArchiveRetention, BlockedEvents, ReplayRunner } from '../archive/index.ts'
import {
  DeliveryRuntime,
  ProcessStage,
  warehouseOfTopic,
  warehouseTopic,
  RoutingTable,
  StoreDeliveryRecorder,
  fanOutRecorder,
} from '../pipeline/index.ts'
import { loadDestinationCatalog, retryPolicy } from '../destinations/index.ts'
import { DEFAULT_WAREHOUSE, findWarehouseEntry, WarehouseSyncService } from '../warehouses/index.ts'
import { INGEST_CONSUMERS, INGEST_TOPIC } from '../spec/index.ts'
import { openStream, parseNatsUrl, STREAM_DEFAULTS, type EventStream } from '../stream/index.ts'
import { controlPages } from './control-pages.ts'
import { createHttpServer } from './http-server.ts'
import { createMetrics, type Metrics } from './metrics.ts'

/** A running Switchyard process: what it serves and how to stop it. */
export interface Switchyard {
  readonly store: Store
  /** The event stream, when a role of this process uses it (ingest, worker). */
  readonly stream: EventStream | undefined
  readonly metrics: Metrics
  readonly bootstrap: BootstrapResult
  /** `http://host:port` of each port this process serves. */
  readonly ingestUrl: string | undefined
  readonly controlUrl: string | undefined
  /** Stops accepting, lets in-flight requests finish, then closes storage. Idempotent. */
  stop(): Promise<void>
}

export function databaseTarget(config: SwitchyardConfig): DatabaseTarget {
  return config.databaseUrl
    ? { kind: 'postgres', url: config.databaseUrl }
    : { kind: 'sqlite', path: join(resolve(config.dataDir), 'switchyard.db') }
}

/** Opens the store and brings its schema up to date (what `switchyard migrate` does). */
export async function openMigratedStore(config: SwitchyardConfig, logger: Logger): Promise<Store> {
  const secretKey = resolveSecretKey(config.secretKey, resolve(config.dataDir))
  if (secretKey.source === 'generated') logger.info({ path: secretKey.path }, 'generated a new secret key')
  if (secretKey.source !== 'environment' && config.databaseUrl) {
    logger.warn(
      'SWITCHYARD_SECRET_KEY is unset: every process sharing this database must use the same key file',
    )
  }
  const store = openStore({
    target: databaseTarget(config),
    secretKey: secretKey.key,
    onConnectionError: (error) =>
      logger.warn({ err: error }, 'a pooled database connection failed; it will be replaced'),
  })
  try {
    const { applied } = await store.migrate()
    logger.info(
      { database: store.location, applied },
      applied.length ? 'migrated the database' : 'database is up to date',
    )
    return store
  } catch (e) {
    await store.close()
    throw e
  }
}

/**
 * Starts the roles the configuration names. Role wiring lives here and nowhere else:
 * `control` serves the Public API and app; `ingest` serves the collector; `worker` runs the
 * pipeline stages as they are built.
 */
export async function startSwitchyard(config: SwitchyardConfig, logger: Logger): Promise<Switchyard> {
  const store = await openMigratedStore(config, logger)
  const metrics = createMetrics()
  const servers: FastifyInstance[] = []
  let stream: EventStream | undefined
  let metering: MeteringConsumer | undefined
  let processStage: ProcessStage | undefined
  let rejections: IngestRejectionCounter | undefined
  let delivery: DeliveryRuntime | undefined
  let deliveryRecorder: StoreDeliveryRecorder | undefined
  let archive: ArchiveConsumer | undefined
  let archiveRetention: ArchiveRetention | undefined
  let replay: ReplayRunner | undefined
  let warehouseSyncs: WarehouseSyncService | undefined
  let auditRetention: AuditRetention | undefined
  let auditForwarder: AuditForwarder | undefined
  let stopping = false
  const readiness = async (): Promise<string | undefined> => {
    if (stopping) return 'shutting down'
    try {
      await store.ping()
    } catch (e) {
      logger.warn({ err: e }, 'readiness check: the database does not answer')
      return 'database unreachable'
    }
    if (stream && !(await stream.health()).accepting) return 'event stream over its limits'
    return undefined
  }

  // Servers first (no new work, in-flight requests finish and append), then the stream (its
  // pending group commits are written), then the control plane.
  const stop = async () => {
    if (stopping) return
    stopping = true
    await Promise.allSettled(servers.map((s) => s.close()))
    await rejections?.stop()
    await processStage?.stop()
    await delivery?.stop()
    await deliveryRecorder?.stop()
    await metering?.stop()
    await archive?.stop()
    await replay?.stop()
    await warehouseSyncs?.stop()
    await archiveRetention?.stop()
    await auditRetention?.stop()
    await auditForwarder?.stop()
    await stream?.close()
    await store.close()
    logger.info('stopped')
  }

  try {
    // The catalog (Segment's Actions definitions) is built once per installed version, then read.
    if (config.roles.includes('control') || config.roles.includes('worker')) await loadDestinationCatalog()
    if (config.roles.includes('ingest') || config.roles.includes('worker'))
      stream = await openEventStream(config, logger)
    if (stream) metrics.observeStream(stream)
    if (config.roles.includes('worker')) {
      metering = new MeteringConsumer({ stream: stream!, store, logger: logger.child({ stage: 'metering' }) })
      metering.start()
      const routing = new RoutingTable(store)
      const blocking = new BlockedEvents(store)
      archive = new ArchiveConsumer({
        stream: stream!,
        store,
        blocking,
        logger: logger.child({ stage: 'archive' }),
        onBatch: ({ archived }) => metrics.archivedMessages.inc(archived),
      })
      archive.start()
      archiveRetention = new ArchiveRetention({
        store,
        retentionDays: config.archiveRetentionDays,
        logger: logger.child({ stage: 'archive-retention' }),
      })
      archiveRetention.start()
      replay = new ReplayRunner({ store, queues: stream!.queues, logger: logger.child({ stage: 'replay' }) })
      replay.start()
      deliveryRecorder = new StoreDeliveryRecorder({
        store,
        logger: logger.child({ stage: 'delivery-records' }),
        lineageRetentionDays: config.lineageRetentionDays,
      })
      deliveryRecorder.start()
      processStage = new ProcessStage({
        stream: stream!,
        routing,
        blocking,
        logger: logger.child({ stage: 'process' }),
        onRouted: (routed) => deliveryRecorder!.recordRouted(routed),
        onBlocked: (blocked) => deliveryRecorder!.recordBlocked(blocked),
        onBatch: ({ records, blocked }) => {
          metrics.processedMessages.inc(records)
          if (blocked > 0) metrics.blockedMessages.inc(blocked)
        },
      })
      processStage.start()
      delivery = new DeliveryRuntime({
        queues: stream!.queues,
        store,
        routing,
        recorder: fanOutRecorder([metrics.delivery, deliveryRecorder], logger.child({ stage: 'deliver' })),
        logger: logger.child({ stage: 'deliver' }),
        retryPolicy: deliveryRetryPolicy(config),
      })
      await delivery.start()
      warehouseSyncs = new WarehouseSyncService({
        store,
        stream: stream!,
        dataDir: resolve(config.dataDir),
        topicOf: warehouseTopic,
        warehouseOfTopic,
        logger: logger.child({ stage: 'warehouse-sync' }),
        onSyncFinished: (result) => {
          metrics.warehouseSyncs.inc({ status: result.status })
          metrics.warehouseRows.inc(result.rows)
        },
      })
      warehouseSyncs.start()
      if (config.auditForwardSourceId) {
        auditForwarder = new AuditForwarder({
          store,
          stream: stream!,
          sourceId: config.auditForwardSourceId,
          logger: logger.child({ stage: 'audit-forwarding' }),
        })
        auditForwarder.start()
      }
    }
    const bootstrap = await bootstrapWorkspace(store, {
      ...(config.bootstrapToken !== undefined && { bootstrapToken: config.bootstrapToken }),
      ...(config.defaultWarehouse === 'duckdb' && { defaultWarehouse: defaultWarehouse() }),
    })
    let ingestUrl: string | undefined
    let controlUrl: string | undefined

    if (config.roles.includes('control')) {
      const control = createHttpServer({ name: 'control', logger, metrics, readiness })
      servers.push(control)
      control.get('/metrics', async (_request, reply) => {
        reply.type(metrics.registry.contentType)
        return metrics.registry.metrics()
      })
      auditRetention = new AuditRetention({
        store,
        retentionDays: config.auditRetentionDays,
        logger: logger.child({ stage: 'audit-retention' }),
      })
      auditRetention.start()
      // The app's install snippets name the collector; ingest starts listening after control.
      await control.register(controlPages, { ingestUrl: () => ingestUrl })
      await control.register(publicApi, {
        prefix: '/api',
        store,
        rateLimitPerMinute: config.apiRateLimit,
        ...(stream && { stream }),
        dataDir: resolve(config.dataDir),
        onWarehouseSyncRequested: () => warehouseSyncs?.wake(),
        sessions: {
          lifetimeMs: config.sessionHours * 3600_000,
          idleMs: config.sessionIdleMinutes * 60_000,
          secureCookie: config.sessionCookieSecure,
          lockoutAttempts: config.loginLockoutAttempts,
          lockoutMs: config.loginLockoutMinutes * 60_000,
          loginDelayMs: config.loginDelayMs,
        },
      })
      controlUrl = await listen(control, config.host, config.controlPort)
    }
    if (config.roles.includes('ingest')) {
      const ingestServer = createHttpServer({
        name: 'ingest',
        logger,
        metrics,
        readiness,
        // Fastify's own limit sits above the Tracking API's 500 KB so that its answer names the limit.
        bodyLimit: 1024 * 1024,
        ...(config.trustedProxies && {
          trustedProxies: config.trustedProxies.split(',').map((p) => p.trim()),
        }),
      })
      servers.push(ingestServer)
      rejections = new IngestRejectionCounter(store, logger.child({ stage: 'ingest' }))
      rejections.start()
      await ingestServer.register(ingest, { store, stream: stream!, rejections })
      ingestUrl = await listen(ingestServer, config.host, config.ingestPort)
    }
    logger.info(
      { roles: config.roles, ingestUrl, controlUrl, workspace: bootstrap.workspace.slug },
      'started',
    )
    return { store, stream, metrics, bootstrap, ingestUrl, controlUrl, stop }
  } catch (e) {
    await stop()
    throw e
  }
}

/**
 * Topics whose backlog makes ingest answer 503: all but warehouse staging, which fills up between
 * scheduled syncs by design (a failing warehouse must not stop collection; the free-disk limit
 * still bounds it).
 */
const isPipelineTopic = (topic: string): boolean => warehouseOfTopic(topic) === undefined

async function openEventStream(config: SwitchyardConfig, logger: Logger): Promise<EventStream> {
  const deps = {
    onBackgroundError: (error: unknown) =>
      logger.error({ err: error }, 'event stream background work failed'),
  }
  const stream = config.streamUrl
    ? await openStream(
        {
          kind: 'jetstream',
          url: checkedStreamUrl(config.streamUrl),
          limits: { maxBacklogRecords: config.streamMaxBacklog, countsTowardBacklog: isPipelineTopic },
          // NATS rebuilds its dedupe ids from the records it still stores when it restarts: keeping
          // them for the dedupe window keeps the window across NATS restarts.
          retention: { minAgeMs: STREAM_DEFAULTS.dedupeWindowMs },
        },
        deps,
      )
    : await openStream(
        {
          kind: 'sqlite',
          dataDir: resolve(config.dataDir),
          durability: config.streamDurability,
          limits: {
            maxBacklogRecords: config.streamMaxBacklog,
            minFreeDiskBytes: config.streamMinFreeDiskMb * 1024 * 1024,
            countsTowardBacklog: isPipelineTopic,
          },
        },
        deps,
      )
  if (config.streamUrl) logger.info({ capabilities: stream.capabilities }, 'event stream on NATS JetStream')
  // Registering every consumer group now makes retention keep each event until all have read it.
  for (const group of INGEST_CONSUMERS) await stream.commit(INGEST_TOPIC, group, 0)
  return stream
}

/** The fresh install's DuckDB warehouse, its settings filled in as the API would. */
function defaultWarehouse() {
  const checked = findWarehouseEntry(DEFAULT_WAREHOUSE.metadataId)!.validateSettings(
    DEFAULT_WAREHOUSE.settings,
  )
  if (!checked.ok)
    throw new Error(`the default warehouse's settings are invalid: ${JSON.stringify(checked.errors)}`)
  return {
    metadataId: DEFAULT_WAREHOUSE.metadataId,
    name: DEFAULT_WAREHOUSE.name,
    settings: checked.settings,
  }
}

/** The delivery retry policy the settings ask for (window and first step; the rest as by default). */
function deliveryRetryPolicy(config: SwitchyardConfig) {
  const baseDelayMs = config.deliveryRetryBaseMs
  try {
    return retryPolicy({
      baseDelayMs,
      maxDelayMs: Math.max(baseDelayMs, 20 * 60_000),
      retryWindowMs: Math.round(config.deliveryRetryWindowMinutes * 60_000),
    })
  } catch (e) {
    throw new SwitchyardError('SY_CONFIG_INVALID', `delivery retry settings: ${(e as Error).message}`, {
      field: 'SWITCHYARD_DELIVERY_RETRY_WINDOW_MINUTES',
    })
  }
}

/** The NATS url, checked before connecting so that a bad one is a configuration error. */
function checkedStreamUrl(url: string): string {
  try {
    parseNatsUrl(url)
  } catch (e) {
    throw new SwitchyardError('SY_CONFIG_INVALID', `SWITCHYARD_STREAM_URL: ${(e as Error).message}`, {
      field: 'SWITCHYARD_STREAM_URL',
    })
  }
  return url
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port })
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${shownHost}:${actualPort}`
}
