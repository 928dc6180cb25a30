import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import { findDestinationEntryBySlug } from '../destinations/index.ts'
import { findSourceMetadataBySlug } from '../spec/index.ts'
import { findWarehouseEntryBySlug } from '../warehouses/index.ts'
import { webApp } from './web-app.ts'

export interface ControlPagesOptions {
  /** The built web app. Default: the repository's `web/dist` (`npm run build:web`). */
  webRoot?: string
  /** The collector's URL as this process knows it, for the app's install snippets. */
  ingestUrl?: () => string | undefined
}

const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist/', import.meta.url))

const escapeXml = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** A small monogram logo for a catalog entry, so the catalog needs no external image host. */
export function monogramSvg(name: string): string {
  const letters = name.replace(/[^A-Za-z0-9.]/g, '').slice(0, 2) || '?'
  let hue = 0
  for (const ch of name) hue = (hue * 31 + ch.charCodeAt(0)) % 360
  return `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64" role="img" aria-label="${escapeXml(name)}"><rect width="64" height="64" rx="14" fill="hsl(${hue} 55% 42%)"/><text x="32" y="41" font-family="system-ui,sans-serif" font-size="24" font-weight="600" text-anchor="middle" fill="#fff">${escapeXml(letters)}</text></svg>`
}

/** The control port's own pages: the web app (from `web/dist`) and the catalog logos. */
export const controlPages: FastifyPluginAsync<ControlPagesOptions> = async (app, options) => {
  const webRoot = options.webRoot ?? DEFAULT_WEB_ROOT
  await app.register(webApp, { webRoot, ingestUrl: options.ingestUrl ?? (() => undefined) })

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
