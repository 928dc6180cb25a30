import { isGranted } from '../principal.ts'
import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { sourceNotFound, type SchemaEvent, type SchemaField } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'
import {
  keysetPaginationOutput,
  paginationOutput,
  readKeysetPagination,
  readPagination,
} from '../pagination.ts'
import { archivedMessageV1, readArchiveFilter, sourceOf, textParam } from './archive-query.ts'

interface SourceParams {
  sourceId: string
}
type Query = Record<string, unknown>

/** A source schema row: a call type and name with its counts. */
const schemaEventV1 = (e: SchemaEvent) => ({
  type: e.type,
  name: e.name,
  blocked: e.blocked,
  counts: { total: e.total, allowed: e.total - e.blockedTotal, blocked: e.blockedTotal },
  firstSeenAt: e.firstSeen,
  lastSeenAt: e.lastSeen,
})

const schemaFieldV1 = (f: SchemaField) => ({
  path: f.path,
  count: f.total,
  firstSeenAt: f.firstSeen,
  lastSeenAt: f.lastSeen,
})

const updateEventsBody = {
  type: 'object',
  required: ['events'],
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['name', 'blocked'],
        properties: { name: { type: 'string', minLength: 1, maxLength: 512 }, blocked: { type: 'boolean' } },
        additionalProperties: false,
      },
    },
  },
} as const

/**
 * The archive of a source (messages as received, searchable) and its schema (event names,
 * properties and traits seen, and which track events are blocked). Segment's Public API has no
 * such operations; these follow its conventions.
 */
export const archiveRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get<{ Params: SourceParams; Querystring: Query }>(
    '/sources/:sourceId/archive/messages',
    { config: { operation: 'listArchivedMessagesFromSource', permission: 'source:read' } },
    async (request) => {
      const source = await sourceOf(store, request.principal.workspaceId, request.params.sourceId)
      const page = readKeysetPagination(request.query)
      const filter = readArchiveFilter(request.query)
      const messages = filter
        ? await store.archive.newest(source.id, filter, {
            ...(page.after !== undefined && { before: page.after }),
            limit: page.count,
          })
        : []
      return {
        data: {
          messages: messages.map((m) => archivedMessageV1(m, !isGranted(request.principal, 'pii:read'))),
          pagination: keysetPaginationOutput(page, messages.at(-1)?.id, messages.length),
        },
      }
    },
  )

  app.get<{ Params: SourceParams; Querystring: Query }>(
    '/sources/:sourceId/schema/events',
    { config: { operation: 'listSchemaEventsFromSource', permission: 'source:read' } },
    async (request) => {
      const source = await sourceOf(store, request.principal.workspaceId, request.params.sourceId)
      const page = readPagination(request.query)
      const type = textParam(request.query, 'type')
      const { items, total } = await store.sourceSchema.listEvents(
        source.id,
        { ...(type !== undefined && { type }) },
        { offset: page.offset, limit: page.count },
      )
      return { data: { events: items.map(schemaEventV1), pagination: paginationOutput(page, total) } }
    },
  )

  app.get<{ Params: SourceParams; Querystring: Query }>(
    '/sources/:sourceId/schema/properties',
    { config: { operation: 'listSchemaPropertiesFromSource', permission: 'source:read' } },
    async (request) => {
      const type = textParam(request.query, 'type') ?? 'track'
      if (type !== 'track' && type !== 'page' && type !== 'screen')
        throw new SwitchyardError('SY_API_VALIDATION', 'type must be track, page or screen', {
          field: 'type',
        })
      const event = textParam(request.query, 'event')
      if (type === 'track' && event === undefined)
        throw new SwitchyardError(
          'SY_API_VALIDATION',
          'event names the track event whose properties to list',
          {
            field: 'event',
          },
        )
      return listFields(request.params.sourceId, request.principal.workspaceId, request.query, {
        type,
        name: event ?? '',
      })
    },
  )

  app.get<{ Params: SourceParams; Querystring: Query }>(
    '/sources/:sourceId/schema/traits',
    { config: { operation: 'listSchemaTraitsFromSource', permission: 'source:read' } },
    async (request) => {
      const type = textParam(request.query, 'type') ?? 'identify'
      if (type !== 'identify' && type !== 'group')
        throw new SwitchyardError('SY_API_VALIDATION', 'type must be identify or group', { field: 'type' })
      return listFields(request.params.sourceId, request.principal.workspaceId, request.query, {
        type,
        name: '',
      })
    },
  )

  async function listFields(
    sourceId: string,
    workspaceId: string,
    query: Query,
    event: { type: string; name: string },
  ) {
    const source = await sourceOf(store, workspaceId, sourceId)
    const page = readPagination(query)
    const { items, total } = await store.sourceSchema.listFields(source.id, event, {
      offset: page.offset,
      limit: page.count,
    })
    const key = event.type === 'identify' || event.type === 'group' ? 'traits' : 'properties'
    return { data: { [key]: items.map(schemaFieldV1), pagination: paginationOutput(page, total) } }
  }

  app.patch<{ Params: SourceParams; Body: { events: { name: string; blocked: boolean }[] } }>(
    '/sources/:sourceId/schema/events',
    {
      schema: { body: updateEventsBody },
      config: { operation: 'updateSchemaEventsInSource', permission: 'source:write' },
    },
    async (request) => {
      const { workspaceId } = request.principal
      if (request.body.events.some((e) => e.name.includes('\0')))
        throw new SwitchyardError('SY_API_VALIDATION', 'events[].name must not contain NUL characters', {
          field: 'events.name',
        })
      const wanted = new Map(request.body.events.map((e) => [e.name, e.blocked]))
      const names = [...wanted.keys()]
      const events = await store.transaction(async (tx) => {
        const source = await tx.sources.get(workspaceId, request.params.sourceId)
        if (!source) throw sourceNotFound(request.params.sourceId)
        for (const blocked of [true, false]) {
          const changed = await tx.sourceSchema.setBlocked(
            workspaceId,
            source.id,
            names.filter((n) => wanted.get(n) === blocked),
            blocked,
          )
          for (const event of changed) {
            await recordChange(tx, request.principal, {
              type: blocked ? 'Schema Event Blocked' : 'Schema Event Allowed',
              resource: { type: 'source', id: source.id, name: source.name },
              before: { event, blocked: !blocked },
              after: { event, blocked },
            })
          }
        }
        return tx.sourceSchema.listEvents(
          source.id,
          { type: 'track', names },
          { offset: 0, limit: names.length },
        )
      })
      return { data: { events: events.items.map(schemaEventV1) } }
    },
  )
}
