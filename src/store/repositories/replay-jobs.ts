import { sql, type ExpressionBuilder, type UpdateObject } from 'kysely'
import { newId } from '../ids.ts'
import { toIso, toIsoOrNull, type ControlPlaneDatabase, type ReplayJobsTable, type Row } from '../schema.ts'
import type { ArchiveCursor } from './archive.ts'
import { countRows, nowIso, type Page, type PageResult, type RepositoryContext } from './context.ts'

export const REPLAY_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const
export type ReplayStatus = (typeof REPLAY_STATUSES)[number]

/** A replay: re-send a source's archived messages received in [startTime, endTime) to destinations. */
export interface ReplayJob {
  id: string
  workspaceId: string
  sourceId: string
  status: ReplayStatus
  startTime: string
  endTime: string
  destinationIds: string[]
  /** Only messages of these call types or these track event names; null for all. */
  eventTypes: string[] | null
  eventNames: string[] | null
  /** Messages to re-send, counted when the job starts (null before). */
  total: number | null
  /** Archived messages handled so far. */
  processed: number
  /** Items put on destination queues so far (one per message and destination). */
  enqueued: number
  cursor: ArchiveCursor | null
  error: string | null
  /** Who asked: a token or user id, or `system`. */
  createdBy: string
  createdAt: string
  updatedAt: string
  startedAt: string | null
  finishedAt: string | null
}

export interface NewReplayJob {
  workspaceId: string
  sourceId: string
  startTime: string
  endTime: string
  destinationIds: string[]
  eventTypes?: string[] | null
  eventNames?: string[] | null
  createdBy: string
}

/** How a runner reports a page: where it got to and what it added. */
export interface ReplayProgress {
  cursor: ArchiveCursor
  processed: number
  enqueued: number
}

type Jobs = ExpressionBuilder<ControlPlaneDatabase, 'replay_jobs'>

export class ReplayJobRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async create(input: NewReplayJob): Promise<ReplayJob> {
    const at = nowIso(this.ctx)
    const row = {
      id: newId(this.ctx.now().getTime()),
      workspace_id: input.workspaceId,
      source_id: input.sourceId,
      status: 'queued',
      start_time: input.startTime,
      end_time: input.endTime,
      destination_ids: JSON.stringify(input.destinationIds),
      event_types: input.eventTypes ? JSON.stringify(input.eventTypes) : null,
      event_names: input.eventNames ? JSON.stringify(input.eventNames) : null,
      total: null,
      processed: 0,
      enqueued: 0,
      cursor_received_at: null,
      cursor_id: null,
      error: null,
      created_by: input.createdBy,
      created_at: at,
      updated_at: at,
      started_at: null,
      finished_at: null,
      lease_owner: null,
      lease_until: null,
    }
    await this.ctx.db.insertInto('replay_jobs').values(row).execute()
    return fromRow(row)
  }

  async get(workspaceId: string, id: string): Promise<ReplayJob | undefined> {
    const row = await this.ctx.db
      .selectFrom('replay_jobs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst()
    return row && fromRow(row)
  }

  /** Newest first. */
  async list(workspaceId: string, filter: { sourceId?: string }, page: Page): Promise<PageResult<ReplayJob>> {
    let query = this.ctx.db.selectFrom('replay_jobs').where('workspace_id', '=', workspaceId)
    if (filter.sourceId !== undefined) query = query.where('source_id', '=', filter.sourceId)
    const rows = await query
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(page.limit)
      .offset(page.offset)
      .execute()
    return { items: rows.map(fromRow), total: await countRows(query) }
  }

  /** Cancels a queued or running job; false when it had already finished. */
  async cancel(workspaceId: string, id: string): Promise<boolean> {
    const at = nowIso(this.ctx)
    const result = await this.ctx.db
      .updateTable('replay_jobs')
      .set({ status: 'cancelled', finished_at: at, updated_at: at, lease_owner: null, lease_until: null })
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /**
   * Takes the oldest job that is queued, or running without a live lease (its runner stopped or
   * died), for `owner` until `leaseMs` from now. Safe with many runners: a job goes to one.
   */
  async claim(owner: string, leaseMs: number): Promise<ReplayJob | undefined> {
    const now = this.ctx.now()
    const candidates = await this.ctx.db
      .selectFrom('replay_jobs')
      .select('id')
      .where((eb) => claimable(eb, now.toISOString()))
      .orderBy('created_at')
      .orderBy('id')
      .limit(5)
      .execute()
    for (const { id } of candidates) {
      const result = await this.ctx.db
        .updateTable('replay_jobs')
        .set({
          status: 'running',
          lease_owner: owner,
          lease_until: new Date(now.getTime() + leaseMs).toISOString(),
          started_at: sql`coalesce(started_at, ${now.toISOString()})`,
          updated_at: now.toISOString(),
        })
        .where('id', '=', id)
        .where((eb) => claimable(eb, now.toISOString()))
        .executeTakeFirst()
      if (Number(result.numUpdatedRows) === 1)
        return fromRow(
          await this.ctx.db
            .selectFrom('replay_jobs')
            .selectAll()
            .where('id', '=', id)
            .executeTakeFirstOrThrow(),
        )
    }
    return undefined
  }

  /** Sets the total of a running job that `owner` holds; false when it no longer does (cancelled). */
  async setTotal(id: string, owner: string, total: number, leaseMs: number): Promise<boolean> {
    return this.#update(id, owner, leaseMs, { total })
  }

  /** Records a page's progress and renews the lease; false when `owner` no longer holds the job. */
  async progress(id: string, owner: string, progress: ReplayProgress, leaseMs: number): Promise<boolean> {
    return this.#update(id, owner, leaseMs, {
      cursor_received_at: progress.cursor.receivedAt,
      cursor_id: progress.cursor.id,
      processed: sql`processed + ${progress.processed}`,
      enqueued: sql`enqueued + ${progress.enqueued}`,
    })
  }

  /** Renews the lease while a runner waits; false when `owner` no longer holds the job. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#update(id, owner, leaseMs, {})
  }

  /** Ends a job `owner` holds as succeeded or failed; false when it no longer holds it. */
  async finish(
    id: string,
    owner: string,
    outcome: { status: 'succeeded' } | { status: 'failed'; error: string },
  ) {
    const at = nowIso(this.ctx)
    const result = await this.ctx.db
      .updateTable('replay_jobs')
      .set({
        status: outcome.status,
        error: outcome.status === 'failed' ? outcome.error : null,
        finished_at: at,
        updated_at: at,
        lease_owner: null,
        lease_until: null,
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }

  /** Gives a running job back (the runner is stopping): another runner may take it at once. */
  async release(id: string, owner: string): Promise<void> {
    await this.ctx.db
      .updateTable('replay_jobs')
      .set({ lease_owner: null, lease_until: null, updated_at: nowIso(this.ctx) })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .execute()
  }

  /** The workspace a source belongs to, whichever it is (the CLI names sources by id alone). */
  async workspaceOfSource(sourceId: string): Promise<string | undefined> {
    const row = await this.ctx.db
      .selectFrom('sources')
      .select('workspace_id')
      .where('id', '=', sourceId)
      .executeTakeFirst()
    return row?.workspace_id
  }

  async #update(
    id: string,
    owner: string,
    leaseMs: number,
    changes: UpdateObject<ControlPlaneDatabase, 'replay_jobs'>,
  ): Promise<boolean> {
    const now = this.ctx.now()
    const result = await this.ctx.db
      .updateTable('replay_jobs')
      .set({
        ...changes,
        lease_until: new Date(now.getTime() + leaseMs).toISOString(),
        updated_at: now.toISOString(),
      })
      .where('id', '=', id)
      .where('lease_owner', '=', owner)
      .where('status', '=', 'running')
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }
}

function claimable(eb: Jobs, now: string) {
  return eb.or([
    eb('status', '=', 'queued'),
    eb.and([
      eb('status', '=', 'running'),
      eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]),
    ]),
  ])
}

const parseList = (json: string | null): string[] | null =>
  json === null ? null : (JSON.parse(json) as string[])

function fromRow(r: Row<ReplayJobsTable>): ReplayJob {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    sourceId: r.source_id,
    status: r.status as ReplayStatus,
    startTime: toIso(r.start_time),
    endTime: toIso(r.end_time),
    destinationIds: JSON.parse(r.destination_ids) as string[],
    eventTypes: parseList(r.event_types),
    eventNames: parseList(r.event_names),
    total: r.total === null ? null : Number(r.total),
    processed: Number(r.processed),
    enqueued: Number(r.enqueued),
    cursor:
      r.cursor_received_at === null || r.cursor_id === null
        ? null
        : { receivedAt: toIso(r.cursor_received_at), id: Number(r.cursor_id) },
    error: r.error,
    createdBy: r.created_by,
    createdAt: toIso(r.created_at),
    updatedAt: toIso(r.updated_at),
    startedAt: toIsoOrNull(r.started_at),
    finishedAt: toIsoOrNull(r.finished_at),
  }
}
