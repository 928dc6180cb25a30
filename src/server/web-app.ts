import { readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'

export interface WebAppOptions {
  /** The built app: `index.html`, `favicon.svg`, `assets/` (hashed names, with `.gz` twins). */
  webRoot: string
  /** The collector's URL, written into the page for the install snippets; undefined when unknown. */
  ingestUrl: () => string | undefined
}

/**
 * The app's top-level sections. Each is answered with the app's page, so that reloading or sharing
 * a deep link (`/sources/abc/debugger`) works; the app routes on the client. A new section of the
 * app (web/src/app/app.tsx) is added here too. Nothing else falls back to the page, so unknown
 * paths under `/api`, `/metrics` or `/v1` keep their own 404s.
 */
export const APP_SECTIONS = [
  'sources',
  'destinations',
  'warehouses',
  'settings',
  // The page an invite's link opens (`/accept-invite?token=…`), before anyone is logged in.
  'accept-invite',
] as const

/** Hashed assets never change under their name. */
const IMMUTABLE = 'public, max-age=31536000, immutable'

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json; charset=utf-8',
}

/** The app talks only to its own origin; no inline scripts, no framing. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

const escapeAttribute = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * Serves the built web app on the control port: its page for `/` and the app's sections, its
 * assets with long-lived cache headers (gzip when the client takes it). Without a build it
 * answers a short page saying how to make one, so the Public API stays usable either way.
 */
export const webApp: FastifyPluginAsync<WebAppOptions> = async (app, options) => {
  const page = async (request: FastifyRequest, reply: FastifyReply) => {
    let html: string
    try {
      html = await readFile(join(options.webRoot, 'index.html'), 'utf8')
    } catch {
      reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
      return notBuiltPage(request)
    }
    const ingestUrl = options.ingestUrl()
    if (ingestUrl) {
      html = html.replace(
        /<meta name="switchyard-ingest-url" content="[^"]*"/,
        `<meta name="switchyard-ingest-url" content="${escapeAttribute(ingestUrl)}"`,
      )
    }
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'same-origin')
    return html
  }

  app.get('/', page)
  for (const section of APP_SECTIONS) {
    app.get(`/${section}`, page)
    app.get(`/${section}/*`, page)
  }

  const asset = async (
    request: FastifyRequest,
    reply: FastifyReply,
    dir: string,
    name: string,
    cache: string,
  ) => {
    const type = CONTENT_TYPES[extname(name)]
    if (!ASSET_NAME.test(name) || !type) return reply.callNotFound()
    const path = join(options.webRoot, dir, name)
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))
    const file = (gzip && (await readIfFile(`${path}.gz`))) || undefined
    const body = file ?? (await readIfFile(path))
    if (!body) return reply.callNotFound()
    reply
      .type(type)
      .header('cache-control', cache)
      .header('x-content-type-options', 'nosniff')
      .header('vary', 'accept-encoding')
    if (file) reply.header('content-encoding', 'gzip')
    return reply.send(body)
  }
  app.get<{ Params: { '*': string } }>('/assets/*', (request, reply) =>
    asset(request, reply, 'assets', request.params['*'], IMMUTABLE),
  )
  app.get('/favicon.svg', (request, reply) =>
    asset(request, reply, '', 'favicon.svg', 'public, max-age=86400'),
  )
}

async function readIfFile(path: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(path)).isFile()) return undefined
    return await readFile(path)
  } catch {
    return undefined
  }
}

function notBuiltPage(request: FastifyRequest): string {
  const origin = escapeAttribute(`http://${request.headers.host ?? 'localhost'}`)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchyard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Switchyard is running</h1>
<p>The web app is not built yet: run <code>npm run build:web</code> (<code>npm start</code> does it for you), then reload.</p>
<p>The Public API is under <code>/api</code> (Segment's Public API paths, with a bearer token); metrics are at <code>/metrics</code>.</p>
<p>Try: <code>curl -H "Authorization: Bearer $TOKEN" ${origin}/api/sources</code></p></body></html>`
}
