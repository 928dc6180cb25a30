import { Ajv } from 'ajv'
import type { FastifyPluginAsync, FastifySchema } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import type { WorkQueues } from '../stream/index.ts'
import type { ApiContext } from './context.ts'
import { apiErrorHandler } from './errors.ts'
import { createGuard } from './guard.ts'
import { openApi } from './openapi.ts'
import { RateLimiter } from './rate-limit.ts'
import { DEFAULT_WEB_SESSIONS, type WebSessionOptions } from './sessions.ts'
import { webSessionRoutes } from './routes/auth.ts'
import { archiveRoutes } from './routes/archive.ts'
import { auditTrailRoutes } from './routes/audit-trail.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { deadLetterRoutes } from './routes/dead-letters.ts'
import { deliveryOverviewRoutes } from './routes/delivery-overview.ts'
import { destinationCatalogRoutes } from './routes/destination-catalog.ts'
import { destinationRoutes } from './routes/destinations.ts'
import { eventTesterRoutes } from './routes/event-tester.ts'
import { destinationSubscriptionRoutes } from './routes/destination-subscriptions.ts'
import { destinationFilterRoutes } from './routes/destination-filters.ts'
import { iamGroupRoutes } from './routes/iam-groups.ts'
import { iamRoleRoutes } from './routes/iam-roles.ts'
import { iamUserRoutes } from './routes/iam-users.ts'
import { labelRoutes } from './routes/labels.ts'
import { lineageRoutes } from './routes/lineage.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { debuggerRoutes } from './routes/debugger.ts'
import { echoRoutes } from './routes/echo.ts'
import { eventsVolumeRoutes } from './routes/events-volume.ts'
import { replayRoutes } from './routes/replays.ts'
import { sourceRoutes } from './routes/sources.ts'
import { usageRoutes } from './routes/usage.ts'
import { warehouseCatalogRoutes } from './routes/warehouse-catalog.ts'
import { warehouseConnectionRoutes } from './routes/warehouse-connections.ts'
import { warehouseSyncRoutes } from './routes/warehouse-syncs.ts'
import { warehouseRoutes } from './routes/warehouses.ts'
import { workspaceRoutes } from './routes/workspace.ts'

export interface PublicApiOptions {
  store: Store
  /** Requests per minute per token. */
  rateLimitPerMinute: number
  now?: () => number
  /** The event stream, when this process has one: dead letters, and purging a deleted destination's queue. */
  stream?: { readonly queues: WorkQueues }
  /** The data directory (absolute): where DuckDB warehouse files live. */
  dataDir?: string
  /** Wakes this process's warehouse sync service when a sync is asked for. */
  onWarehouseSyncRequested?: () => void
  /** Web sessions for the app: lifetime, cookie, login throttling. Default: `DEFAULT_WEB_SESSIONS`. */
  sessions?: WebSessionOptions
}

/**
 * Bodies are validated strictly: `"enabled": "false"` is an error, not `false`. Query strings and
 * path parameters are text on the wire, so they are converted to the schema's types.
 */
const bodyValidator = new Ajv({ coerceTypes: false, useDefaults: true, allErrors: false, strict: false })
const textValidator = new Ajv({ coerceTypes: 'array', useDefaults: true, allErrors: false, strict: false })

/**
 * The Public API, in Segment's shapes: mount it with `prefix: '/api'`. Every operation passes the
 * guard (version, auth, rate limit, permission) and answers `{data}` or `{errors:[…]}`.
 * A feature adds its operations as one more route plugin here.
 */
export const publicApi: FastifyPluginAsync<PublicApiOptions> = async (app, options) => {
  const context: ApiContext = {
    store: options.store,
    ...(options.stream && { queues: options.stream.queues }),
    ...(options.dataDir !== undefined && { dataDir: options.dataDir }),
    ...(options.onWarehouseSyncRequested && { onWarehouseSyncRequested: options.onWarehouseSyncRequested }),
  }
  app.decorateRequest('principal', null as never)
  app.decorateRequest('webSession', null)
  const sessions = options.sessions ?? DEFAULT_WEB_SESSIONS
  app.setErrorHandler(apiErrorHandler)
  app.setValidatorCompiler<FastifySchema>(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyValidator : textValidator).compile(schema as object),
  )
  // `GET /openapi.json` describes every operation and is public (see `openApi`).
  const openApiDocument = openApi()
  app.addHook('onRoute', openApiDocument.collect)
  await app.register(openApiDocument.plugin)
  app.addHook('onRoute', (route) => {
    if (route.config?.permission === undefined && route.path !== '*') {
      throw new Error(`Public API route ${route.method} ${route.url} declares no permission`)
    }
  })
  app.addHook('onRequest', openApiDocument.onRequest)
  app.addHook(
    'onRequest',
    createGuard({
      store: options.store,
      limiter: new RateLimiter(options.rateLimitPerMinute),
      now: options.now ?? Date.now,
      sessions,
    }),
  )
  app.setNotFoundHandler(async (request) => {
    throw new SwitchyardError(
      'SY_API_ROUTE_NOT_FOUND',
      `No Public API operation ${request.method} ${request.url}`,
    )
  })

  await app.register(workspaceRoutes, context)
  await app.register(echoRoutes)
  await app.register(catalogRoutes)
  await app.register(sourceRoutes, context)
  await app.register(usageRoutes, context)
  await app.register(eventsVolumeRoutes, context)
  await app.register(auditTrailRoutes, context)
  await app.register(archiveRoutes, context)
  await app.register(debuggerRoutes, context)
  await app.register(replayRoutes, context)
  await app.register(destinationCatalogRoutes)
  await app.register(destinationRoutes, context)
  await app.register(destinationSubscriptionRoutes, context)
  await app.register(destinationFilterRoutes, context)
  await app.register(eventTesterRoutes, context)
  await app.register(deliveryOverviewRoutes, context)
  await app.register(deadLetterRoutes, context)
  await app.register(lineageRoutes, context)
  await app.register(warehouseCatalogRoutes)
  await app.register(warehouseRoutes, context)
  await app.register(warehouseConnectionRoutes, context)
  await app.register(warehouseSyncRoutes, context)
  await app.register(iamRoleRoutes)
  await app.register(iamUserRoutes, context)
  await app.register(iamGroupRoutes, context)
  await app.register(labelRoutes, context)
  await app.register(tokenRoutes, context)
  await app.register(webSessionRoutes, { store: options.store, sessions, now: options.now ?? Date.now })
}
