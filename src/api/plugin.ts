import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import type { ApiContext } from './context.ts'
import { apiErrorHandler } from './errors.ts'
import { createGuard } from './guard.ts'
import { RateLimiter } from './rate-limit.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { echoRoutes } from './routes/echo.ts'
import { sourceRoutes } from './routes/sources.ts'
import { workspaceRoutes } from './routes/workspace.ts'

export interface PublicApiOptions {
  store: Store
  /** Requests per minute per token. */
  rateLimitPerMinute: number
  now?: () => number
}

/**
 * The Public API, in Segment's shapes: mount it with `prefix: '/api'`. Every operation passes the
 * guard (version, auth, rate limit, permission) and answers `{data}` or `{errors:[…]}`.
 * A feature adds its operations as one more route plugin here.
 */
export const publicApi: FastifyPluginAsync<PublicApiOptions> = async (app, options) => {
  const context: ApiContext = { store: options.store }
  app.decorateRequest('principal', null as never)
  app.decorateRequest('apiVersion', 'v1')
  app.setErrorHandler(apiErrorHandler)
  app.addHook(
    'onRequest',
    createGuard({
      store: options.store,
      limiter: new RateLimiter(options.rateLimitPerMinute),
      now: options.now ?? Date.now,
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
}
