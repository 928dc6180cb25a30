import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { WriteKeyResolver } from './write-keys.ts'

/**
 * analytics.js served by Switchyard itself, from the `@segment/analytics-next` npm package: the
 * standard snippet works with only its host changed, and no browser ever calls a Segment host.
 *
 * - `GET /analytics.js/v1/:writeKey/analytics.min.js`: the snippet's bundle (the package's
 *   standalone build) behind a one-line prelude that points its CDN at this host. analytics.js
 *   only derives the CDN from an `https://` script URL; the prelude makes plain HTTP work too.
 * - `GET /analytics-next/bundles/:file`: the lazily loaded chunks, immutable (hashed names).
 * - `GET /v1/projects/:writeKey/settings`: the settings analytics.js fetches at load, sending
 *   events to this host's `/v1` and turning off Segment's own metrics.
 */
const require = createRequire(import.meta.url)
const BUNDLE_DIR = join(dirname(require.resolve('@segment/analytics-next')), '..', 'umd')

export interface AnalyticsJsOptions {
  writeKeys: WriteKeyResolver
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/

/**
 * The origin the browser used to reach us (behind a trusted proxy, the forwarded one). A Host that
 * is not `name[:port]` is refused, so nothing else can be written into the settings.
 */
export function originOf(request: FastifyRequest): string {
  if (!HOST.test(request.host)) {
    throw new SwitchyardError(
      'SY_INGEST_BAD_REQUEST',
      'The Host header is not a host name with an optional port',
      {
        field: 'Host',
      },
    )
  }
  return `${request.protocol}://${request.host}`
}

export function analyticsJsSettings(writeKey: string, origin: string) {
  const url = new URL(origin)
  return {
    integrations: {
      'Segment.io': {
        apiKey: writeKey,
        apiHost: `${url.host}/v1`,
        protocol: url.protocol.replace(':', ''),
        unbundledIntegrations: [],
        addBundledMetadata: true,
        maybeBundledConfigIds: {},
        versionSettings: { componentTypes: ['browser'] },
      },
    },
    plan: {
      track: { __default: { enabled: true, integrations: {} } },
      identify: { __default: { enabled: true } },
      group: { __default: { enabled: true } },
    },
    edgeFunction: {},
    analyticsNextEnabled: true,
    middlewareSettings: {},
    enabledMiddleware: {},
    metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false,
    remotePlugins: [],
    consentSettings: { allCategories: [], hasUnmappedDestinations: false },
  }
}

/**
 * Sets `_cdn` on the snippet's global (renamed globals included) to the origin this very script
 * was loaded from, unless the page set one. Nothing from the request goes into the bundle.
 */
const PRELUDE = `(function(){var s=document.currentScript,k=(s&&s.getAttribute('data-global-segment-analytics-key'))||'analytics',a=window[k];if(a&&!a._cdn&&s&&s.src)a._cdn=new URL(s.src).origin})();\n`

export const analyticsJs: FastifyPluginAsync<AnalyticsJsOptions> = async (app, { writeKeys }) => {
  const bundle = PRELUDE + readFileSync(join(BUNDLE_DIR, 'standalone.js'), 'utf8')
  const chunks = new Set(readdirSync(BUNDLE_DIR).filter((f) => /\.bundle\.[0-9a-f]+\.js(\.map)?$/.test(f)))

  const knownSource = async (writeKey: string) => {
    if (!(await writeKeys.resolve(writeKey))) {
      throw new SwitchyardError('SY_INGEST_UNKNOWN_SOURCE', `No source has the write key ${writeKey}`, {
        field: 'writeKey',
      })
    }
  }

  app.get<{ Params: { writeKey: string } }>('/v1/projects/:writeKey/settings', async (request, reply) => {
    await knownSource(request.params.writeKey)
    reply.header('Cache-Control', 'public, max-age=60')
    return analyticsJsSettings(request.params.writeKey, originOf(request))
  })

  app.get<{ Params: { writeKey: string } }>(
    '/analytics.js/v1/:writeKey/analytics.min.js',
    async (request, reply) => {
      await knownSource(request.params.writeKey)
      reply.type('application/javascript; charset=utf-8').header('Cache-Control', 'public, max-age=300')
      return bundle
    },
  )

  app.get<{ Params: { file: string } }>('/analytics-next/bundles/:file', async (request, reply) => {
    const file = request.params.file
    if (!chunks.has(file)) {
      return reply
        .code(404)
        .send({ error: { code: 'SY_HTTP_NOT_FOUND', message: `No analytics.js chunk ${file}` } })
    }
    reply
      .type(file.endsWith('.map') ? 'application/json' : 'application/javascript; charset=utf-8')
      .header('Cache-Control', 'public, max-age=31536000, immutable')
    return readFileSync(join(BUNDLE_DIR, file))
  })
}
