import type { ExpressionBuilder } from 'kysely'
import { fromBool, toBool, toIso, type ControlPlaneDatabase } from '../schema.ts'
import type { RepositoryContext } from './context.ts'

/** A message to archive. The indexed fields are the caller's to shorten (see `archive/rows.ts`). */
export interface NewArchivedMessage {
  workspaceId: string
  sourceId: string
  /** ISO-8601 in UTC with milliseconds (`toISOString()`), so that text order is time order. */
  receivedAt: string
  messageId: string
  type: string
  event: string | null
  userId: string | null
  anonymousId: string | null
  blocked: boolean
  /** The message as JSON. */
  message: string
}

export interface ArchivedMessage {
  /** Archive order, never reused. */
  id: number
  workspaceId: string
  sourceId: string
  receivedAt: string
  blocked: boolean
  /** The message as JSON. */
  message: string
}

/** Narrows a listing; every field given must match. Times bound `receivedAt`, `to` excluded. */
export interface ArchiveFilter {
  messageId?: string
  userId?: string
  event?: string
  type?: string
  from?: string
  to?: string
}

/**
 * What a replay re-sends: a source's messages received in [from, to) that were not blocked; when
 * `types` or `events` are given, only messages of one of those types or with one of those track
 * event names (either list may match).
 */
export interface ReplaySelection {
  sourceId: string
  from: string
  to: string
  types?: readonly string[]
  events?: readonly string[]
}

/** Where a replay got to: the last message it handled, in (receivedAt, id) order. */
export interface ArchiveCursor {
  receivedAt: string
  id: number
}

/** Rows per insert: 11 parameters each stays far below either engine's limit. */
const CHUNK = 200

type ArchiveExpressions = ExpressionBuilder<ControlPlaneDatabase, 'archive_messages'>

export class ArchiveRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** Stores messages in the given order; their ids grow in that order. */
  async append(messages: readonly NewArchivedMessage[]): Promise<void> {
    for (let i = 0; i < messages.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('archive_messages')
        .values(
          messages.slice(i, i + CHUNK).map((m) => ({
            workspace_id: m.workspaceId,
            source_id: m.sourceId,
            received_at: m.receivedAt,
            message_id: m.messageId,
            type: m.type,
            event: m.event,
            user_id: m.userId,
            anonymous_id: m.anonymousId,
            blocked: fromBool(m.blocked),
            message: m.message,
          })),
        )
        .execute()
    }
  }

  /** A source's messages, newest first, older than `before` (an id) when given. */
  async newest(
    sourceId: string,
    filter: ArchiveFilter,
    options: { before?: number; limit: number },
  ): Promise<ArchivedMessage[]> {
    let query = this.ctx.db
      .selectFrom('archive_messages')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where((eb) => matches(eb, filter))
    if (options.before !== undefined) query = query.where('id', '<', options.before)
    const rows = await query.orderBy('id', 'desc').limit(options.limit).execute()
    return rows.map(fromRow)
  }

  /**
   * A source's messages archived after the one with id `after` (and up to id `upTo` when given),
   * oldest first: a live tail. Bounding by `upTo` keeps a filtered tail from reading the same
   * non-matching messages again on every poll.
   */
  async after(
    sourceId: string,
    filter: ArchiveFilter,
    options: { after: number; upTo?: number; limit: number },
  ): Promise<ArchivedMessage[]> {
    let query = this.ctx.db
      .selectFrom('archive_messages')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('id', '>', options.after)
      .where((eb) => matches(eb, filter))
    if (options.upTo !== undefined) query = query.where('id', '<=', options.upTo)
    const rows = await query.orderBy('id').limit(options.limit).execute()
    return rows.map(fromRow)
  }

  /** The id of a source's newest archived message (0 when it has none). */
  async latestId(sourceId: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('archive_messages')
      .select('id')
      .where('source_id', '=', sourceId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst()
    return row ? Number(row.id) : 0
  }

  /** How many messages a replay of `selection` re-sends. */
  async countReplay(selection: ReplaySelection): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('archive_messages')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where((eb) => replayed(eb, selection))
      .executeTakeFirstOrThrow()
    return Number(row.n)
  }

  /** The next messages of a replay after `cursor`, in (receivedAt, id) order. */
  async replayPage(
    selection: ReplaySelection,
    cursor: ArchiveCursor | undefined,
    limit: number,
  ): Promise<ArchivedMessage[]> {
    let query = this.ctx.db
      .selectFrom('archive_messages')
      .selectAll()
      .where((eb) => replayed(eb, selection))
    if (cursor)
      query = query.where((eb) =>
        eb(eb.refTuple('received_at', 'id'), '>', eb.tuple(cursor.receivedAt, cursor.id)),
      )
    const rows = await query.orderBy('received_at').orderBy('id').limit(limit).execute()
    return rows.map(fromRow)
  }

  /**
   * Deletes up to `limit` of the oldest archived messages (by archive order) received before
   * `before`, stopping at the first one that is not; returns how many it deleted. Archive order
   * follows receipt order, so this prunes by age through the primary key alone.
   */
  async pruneOldest(before: string, limit: number): Promise<number> {
    const oldest = await this.ctx.db
      .selectFrom('archive_messages')
      .select(['id', 'received_at'])
      .orderBy('id')
      .limit(limit)
      .execute()
    let last: number | undefined
    for (const row of oldest) {
      if (toIso(row.received_at) >= before) break
      last = Number(row.id)
    }
    if (last === undefined) return 0
    const result = await this.ctx.db
      .deleteFrom('archive_messages')
      .where('id', '>=', Number(oldest[0]!.id))
      .where('id', '<=', last)
      .executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}

function matches(eb: ArchiveExpressions, filter: ArchiveFilter) {
  const conditions = []
  if (filter.messageId !== undefined) conditions.push(eb('message_id', '=', filter.messageId))
  if (filter.userId !== undefined) conditions.push(eb('user_id', '=', filter.userId))
  if (filter.event !== undefined) conditions.push(eb('event', '=', filter.event))
  if (filter.type !== undefined) conditions.push(eb('type', '=', filter.type))
  if (filter.from !== undefined) conditions.push(eb('received_at', '>=', filter.from))
  if (filter.to !== undefined) conditions.push(eb('received_at', '<', filter.to))
  return eb.and(conditions)
}

function replayed(eb: ArchiveExpressions, s: ReplaySelection) {
  const conditions = [
    eb('source_id', '=', s.sourceId),
    eb('received_at', '>=', s.from),
    eb('received_at', '<', s.to),
    eb('blocked', '=', fromBool(false)),
  ]
  const included = []
  if (s.types?.length) included.push(eb('type', 'in', [...s.types]))
  if (s.events?.length) included.push(eb('event', 'in', [...s.events]))
  if (included.length > 0) conditions.push(eb.or(included))
  return eb.and(conditions)
}

function fromRow(r: {
  id: number | string | bigint
  workspace_id: string
  source_id: string
  received_at: Date | string
  blocked: number | boolean
  message: string
}): ArchivedMessage {
  return {
    id: Number(r.id),
    workspaceId: r.workspace_id,
    sourceId: r.source_id,
    receivedAt: toIso(r.received_at),
    blocked: toBool(r.blocked),
    message: r.message,
  }
}
