import type { FastifyInstance } from 'fastify'

/**
 * CORS for browsers sending from any site. analytics.js posts `text/plain` JSON (a simple
 * request) but adds `Authorization` and, on retries, `X-Retry-Count`, which make browsers send a
 * preflight. The preflight allows whatever headers the page asks for, since
 * `deliveryStrategy.config.headers` may add its own. No cookies are involved, so the requesting
 * origin is echoed without credentials.
 */
export function allowCrossOriginRequests(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply) => {
    const origin = request.headers.origin
    reply.header('Access-Control-Allow-Origin', origin ?? '*')
    if (origin) reply.header('Vary', 'Origin')
  })
  app.options('/*', async (request, reply) => {
    const requested = request.headers['access-control-request-headers']
    return reply
      .header('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
      .header('Access-Control-Allow-Headers', requested ?? 'Authorization, Content-Type, X-Retry-Count')
      .header('Access-Control-Max-Age', '86400')
      .code(204)
      .send()
  })
}
