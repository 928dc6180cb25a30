import { join, resolve } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { publicApi } from '../api/index.ts'
import type { SwitchyardConfig } from '../config/index.ts'
import {
  bootstrapWorkspace,
  openStore,
  resolveSecretKey,
  type BootstrapResult,
  type DatabaseTarget,
  type Store,
} from '../store/index.ts'
import { controlPages } from './control-pages.ts'
import { createHttpServer } from './http-server.ts'
import { createMetrics, type Metrics } from './metrics.ts'

/** A running Switchyard process: what it serves and how to stop it. */
export interface Switchyard {
  readonly store: Store
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
  let stopping = false
  const readiness = async (): Promise<string | undefined> => {
    if (stopping) return 'shutting down'
    try {
      await store.ping()
      return undefined
    } catch (e) {
      logger.warn({ err: e }, 'readiness check: the database does not answer')
      return 'database unreachable'
    }
  }

  const stop = async () => {
    if (stopping) return
    stopping = true
    await Promise.allSettled(servers.map((s) => s.close()))
    await store.close()
    logger.info('stopped')
  }

  try {
    const bootstrap = await bootstrapWorkspace(store, {
      ...(config.bootstrapToken !== undefined && { bootstrapToken: config.bootstrapToken }),
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
      await control.register(controlPages)
      await control.register(publicApi, { prefix: '/api', store, rateLimitPerMinute: config.apiRateLimit })
      controlUrl = await listen(control, config.host, config.controlPort)
    }
    if (config.roles.includes('ingest')) {
      const ingest = createHttpServer({ name: 'ingest', logger, metrics, readiness })
      servers.push(ingest)
      ingestUrl = await listen(ingest, config.host, config.ingestPort)
    }
    logger.info(
      { roles: config.roles, ingestUrl, controlUrl, workspace: bootstrap.workspace.slug },
      'started',
    )
    return { store, metrics, bootstrap, ingestUrl, controlUrl, stop }
  } catch (e) {
    await stop()
    throw e
  }
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port })
  const address = app.server.address()
  const actualPort = typeof address === 'object' && address ? address.port : port
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${shownHost}:${actualPort}`
}
