import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify'
import type { Logger } from 'pino'
import { isSwitchyardError } from '../errors/index.ts'
import type { Metrics } from './metrics.ts'

export type ServerName = 'ingest' | 'control'

export interface HttpServerOptions {
  name: ServerName
  logger: Logger
  metrics: Metrics
  /** Resolves to undefined when ready to serve, or to the reason it is not. */
  readiness: () => Promise<string | undefined>
  bodyLimit?: number
  /** Proxies whose `X-Forwarded-*` headers are believed (addresses or CIDR ranges). */
  trustedProxies?: string[]
}

/**
 * The base every Switchyard port is built on: request ids, per-route request metrics,
 * `/healthz` (the process is alive) and `/readyz` (storage answers, not shutting down).
 * Features are registered on it as encapsulated plugins with their own error handlers.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    loggerInstance: options.logger.child({ server: options.name }) as FastifyBaseLogger,
    // One debug line per request from our onResponse hook replaces Fastify's two info lines.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    trustProxy: options.trustedProxies ?? false,
    // A client gets 30 s to send its request: slow senders can't hold connections (and their
    // buffered bodies) open indefinitely.
    requestTimeout: 30_000,
    // During shutdown, new requests get 503 while in-flight ones finish.
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Requests Fastify rejects before routing (a malformed URL) still get a coded answer.
    frameworkErrors: (error, _request, reply: FastifyReply) => {
      reply.code(400).send({ error: { code: 'SY_HTTP_BAD_REQUEST', message: error.message } })
    },
  })

  // Once closing starts, answers to in-flight requests end their connection; otherwise a client's
  // idle keep-alive socket would hold the close open for the whole keep-alive timeout.
  let closing = false
  app.addHook('preClose', async () => {
    closing = true
  })
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close')
  })

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const labels = { server: options.name, method: request.method, route }
    options.metrics.httpRequests.inc({ ...labels, status_code: String(reply.statusCode) })
    options.metrics.httpDuration.observe(labels, reply.elapsedTime / 1000)
    request.log.debug(
      { method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime },
      'request',
    )
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isSwitchyardError(error)) {
      return reply.code(error.status).send({ error: { code: error.code, message: error.message } })
    }
    const status = error.statusCode ?? 500
    if (status < 500) {
      return reply.code(status).send({ error: { code: 'SY_HTTP_BAD_REQUEST', message: error.message } })
    }
    request.log.error({ err: error }, 'request failed')
    return reply
      .code(500)
      .send({ error: { code: 'SY_HTTP_INTERNAL', message: `Internal error (request id ${request.id})` } })
  })

  app.setNotFoundHandler(async (request, reply) =>
    reply
      .code(404)
      .send({ error: { code: 'SY_HTTP_NOT_FOUND', message: `Nothing at ${request.method} ${request.url}` } }),
  )

  app.get('/healthz', async () => ({ status: 'ok' }))
  app.get('/readyz', async (_request, reply) => {
    const reason = await options.readiness()
    if (reason === undefined) return { status: 'ready' }
    // The reason is a short phrase; details (which may name hosts) go to the log, not the answer.
    return reply.code(503).send({ status: 'not ready', reason, code: 'SY_HTTP_NOT_READY' })
  })

  return app
}
