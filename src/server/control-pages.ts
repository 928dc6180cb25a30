import type { FastifyPluginAsync } from 'fastify'
import { findDestinationEntryBySlug } from '../destinations/index.ts'
import { findSourceMetadataBySlug } from '../spec/index.ts'
import { findWarehouseEntryBySlug } from '../warehouses/index.ts'

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A small monogram logo for a catalog entry, so the catalog needs no external image host. */
export function monogramSvg(name: string): string {
  const letters = name.replace(/[^A-Za-z0-9.]/g, '').slice(0, 2) || '?'
  let hue = 0
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="${escapeXml(name)}"><rect width="64" height="64" rx="14" fill="hsl(${hue} 55% 42%)"/><text x="32" y="41" font-family="system-ui,sans-serif" font-size="24" font-weight="600" text-anchor="middle" fill="#fff">${escapeXml(letters)}</text></svg>`
}

/** The control port's own pages: the landing page (until the web app lands) and catalog logos. */
export const controlPages: FastifyPluginAsync = async (app) => {
  app.get('/', async (request, reply) => {
    const origin = `http://${request.headers.host ?? 'localhost'}`
    reply.type('text/html; charset=utf-8')
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Switchyard</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2937}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Switchyard is running</h1>
<p>This is the control port. The Public API is under <code>/api</code> (Segment's Public API paths, with a bearer token); metrics are at <code>/metrics</code>.</p>
<p>Try: <code>curl -H "Authorization: Bearer $TOKEN" ${escapeXml(origin)}/api/sources</code></p>
<p>See the README for the tour.</p></body></html>`
  })

  app.get<{ Params: { file: string } }>('/logos/sources/:file', async (request, reply) => {
    const slug = request.params.file.replace(/\.svg$/, '')
    const metadata = findSourceMetadataBySlug(slug)
    if (!metadata)
      return reply.code(404).send({ error: { code: 'SY_HTTP_NOT_FOUND', message: 'No such logo' } })
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400')
    return monogramSvg(metadata.name)
  })

  app.get<{ Params: { file: string } }>('/logos/destinations/:file', async (request, reply) => {
    const entry = findDestinationEntryBySlug(request.params.file.replace(/\.svg$/, ''))
    if (!entry) return reply.code(404).send({ error: { code: 'SY_HTTP_NOT_FOUND', message: 'No such logo' } })
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400')
    return monogramSvg(entry.metadata.name)
  })

  app.get<{ Params: { file: string } }>('/logos/warehouses/:file', async (request, reply) => {
    const entry = findWarehouseEntryBySlug(request.params.file.replace(/\.svg$/, ''))
    if (!entry) return reply.code(404).send({ error: { code: 'SY_HTTP_NOT_FOUND', message: 'No such logo' } })
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400')
    return monogramSvg(entry.metadata.name)
  })
}
