import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { ALL_VERSIONS } from './versioning.ts'

/** What the OpenAPI document needs of one registered Public API route. */
export interface RegisteredRoute {
  method: string
  /** The full URL as registered (`/api/sources/:sourceId`). */
  url: string
  operation: string
  permission: string
  versions: readonly string[]
  /** Answers a Server-Sent Events stream. */
  eventStream: boolean
  schema?: { body?: unknown; querystring?: unknown; params?: unknown }
}

/** An `onRoute` hook that records each Public API operation into `routes`. */
export function collectRoutes(routes: RegisteredRoute[]) {
  return (route: RouteOptions): void => {
    const operation = route.config?.operation
    if (!operation) return
    for (const method of [route.method].flat()) {
      if (method === 'HEAD' || method === 'OPTIONS') continue
      routes.push({
        method,
        url: route.url,
        operation,
        permission: String(route.config?.permission ?? 'authenticated'),
        versions: route.config?.versions ?? ALL_VERSIONS,
        eventStream: route.config?.eventStream === true,
        ...(route.schema && { schema: route.schema as RegisteredRoute['schema'] }),
      })
    }
  }
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['errors'],
  properties: {
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type', 'message', 'code', 'status'],
        properties: {
          type: { type: 'string', description: "Segment's error type, such as `not-found`" },
          code: { type: 'string', description: "Switchyard's stable error code (docs/errors.md)" },
          message: { type: 'string' },
          field: { type: 'string', description: 'The request field that is wrong' },
          data: { description: 'More about the error, such as the rate limit state on a 429' },
          status: { type: 'integer' },
        },
      },
    },
  },
}

const RATE_LIMIT_HEADERS = Object.fromEntries(
  ['Limit', 'Consumed', 'Remaining', 'Reset'].map((name) => [
    `X-RateLimit-${name}`,
    { schema: { type: name === 'Reset' ? 'string' : 'integer' } },
  ]),
)

/** `/api/sources/:sourceId` → `/sources/{sourceId}` and its path parameter names. */
function openApiPath(url: string, prefix: string): { path: string; params: string[] } {
  const params: string[] = []
  const relative = url.startsWith(prefix) ? url.slice(prefix.length) : url
  const path = relative.replace(/:([A-Za-z0-9_]+)(\([^)]*\))?/g, (_m, name: string) => {
    params.push(name)
    return `{${name}}`
  })
  return { path: path === '' ? '/' : path, params }
}

function queryParameters(schema: unknown) {
  const s = schema as { properties?: Record<string, unknown>; required?: string[] } | undefined
  return Object.entries(s?.properties ?? {}).map(([name, property]) => ({
    name,
    in: 'query',
    required: s?.required?.includes(name) ?? false,
    schema: property,
  }))
}

/**
 * The OpenAPI 3.0 description of the Public API, built from the registered routes: Segment's
 * operation names as operationIds, paths, path and query parameters, request bodies where the
 * route declares a JSON schema, the `{data}` and `{errors}` envelopes, bearer authentication, and
 * each operation's permission and versions as `x-switchyard-*` extensions. An operation name
 * used by two methods (Segment's `echo`) keeps it on the first; the next gets `<name>_<method>`.
 */
export function openApiDocument(
  routes: readonly RegisteredRoute[],
  options: { prefix: string; version: string },
) {
  const paths: Record<string, Record<string, unknown>> = {}
  const used = new Set<string>()
  for (const route of routes) {
    const { path, params } = openApiPath(route.url, options.prefix)
    const method = route.method.toLowerCase()
    const operationId = used.has(route.operation) ? `${route.operation}_${method}` : route.operation
    used.add(operationId)
    const parameters = [
      ...params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })),
      ...queryParameters(route.schema?.querystring),
    ]
    ;(paths[path] ??= {})[method] = {
      operationId,
      ...(parameters.length > 0 && { parameters }),
      ...(route.schema?.body !== undefined && {
        requestBody: { required: true, content: { 'application/json': { schema: route.schema.body } } },
      }),
      responses: {
        '2XX': {
          description: 'Success: the answer under `data`',
          headers: RATE_LIMIT_HEADERS,
          content: {
            'application/json': {
              schema: { type: 'object', required: ['data'], properties: { data: { type: 'object' } } },
            },
          },
        },
        default: { $ref: '#/components/responses/Error' },
      },
      ...(route.permission === 'public' && { security: [] }),
      'x-switchyard-permission': route.permission,
      'x-switchyard-versions': route.versions,
      ...(route.eventStream && { 'x-switchyard-event-stream': true }),
    }
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Switchyard Public API',
      version: options.version,
      description:
        "Segment's Public API as Switchyard serves it: the same paths, envelopes, pagination and errors (docs/public-api.md).",
    },
    servers: [{ url: options.prefix }],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      schemas: { Errors: ERROR_SCHEMA },
      responses: {
        Error: {
          description: 'Failure: `{errors: [...]}` in Segment’s envelope',
          headers: RATE_LIMIT_HEADERS,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
        },
      },
    },
  }
}

/**
 * `GET /openapi.json`, served without a token as Segment publishes its own: `collect` records the
 * operations (add it as an `onRoute` hook first), `plugin` registers the route (before the
 * permission check is added: the route declares none), and `onRequest` answers it (add it before
 * the guard: a hook that replies ends the request's hooks there, so the guard never sees it).
 */
export function openApi() {
  const routes: RegisteredRoute[] = []
  let document: string | undefined
  let url: string | undefined
  // Built at the first request: every route is registered by then.
  const serve = (reply: FastifyReply, prefix: string) =>
    reply
      .type('application/json')
      .send((document ??= JSON.stringify(openApiDocument(routes, { prefix, version: '1.0.0' }))))
  return {
    collect: collectRoutes(routes),
    plugin: (async (app) => {
      url = `${app.prefix}/openapi.json`
      app.get('/openapi.json', async (_request, reply) => serve(reply, app.prefix))
    }) as FastifyPluginAsync,
    async onRequest(request: FastifyRequest, reply: FastifyReply) {
      if (url === undefined || request.routeOptions.url !== url) return
      return serve(reply, url.slice(0, -'/openapi.json'.length))
    },
  }
}
