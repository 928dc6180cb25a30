import type { RepositoryContext } from './context.ts'

/** One step of a message's way through Switchyard. */
export interface LineageEntry {
  workspaceId: string
  sourceId: string
  messageId: string
  /** Epoch milliseconds. */
  at: number
  /** Orders entries of the same millisecond (a per-process counter is enough). */
  seq: number
  /** `ingest`, `process`, `deliver`, … */
  stage: string
  /** '' when the entry is not about one destination. */
  destinationId: string
  /** `received`, `routed`, `delivered`, `filtered`, `retrying`, `dropped`, `dead_lettered`, … */
  outcome: string
  /** Status or error code, drop reason; '' when there is none. */
  code: string
  detail: string
  /** Stage-specific fields (destination ids, attempt, next attempt). */
  data?: Record<string, unknown>
}

const CHUNK = 500

/** Per-message lineage, kept for the configured retention. */
export class LineageRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async append(entries: readonly LineageEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('message_lineage')
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            workspace_id: e.workspaceId,
            source_id: e.sourceId,
            message_id: e.messageId,
            at: e.at,
            seq: e.seq,
            stage: e.stage,
            destination_id: e.destinationId,
            outcome: e.outcome,
            code: e.code,
            detail: e.detail,
            data_json: e.data === undefined ? null : JSON.stringify(e.data),
          })),
        )
        .execute()
    }
  }

  /** Every entry of one message of a source, oldest first. */
  async forMessage(workspaceId: string, sourceId: string, messageId: string): Promise<LineageEntry[]> {
    const rows = await this.ctx.db
      .selectFrom('message_lineage')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('message_id', '=', messageId)
      .where('workspace_id', '=', workspaceId)
      .orderBy('at')
      .orderBy('seq')
      .execute()
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      messageId: r.message_id,
      at: Number(r.at),
      seq: Number(r.seq),
      stage: r.stage,
      destinationId: r.destination_id,
      outcome: r.outcome,
      code: r.code,
      detail: r.detail,
      ...(r.data_json !== null && { data: JSON.parse(r.data_json) as Record<string, unknown> }),
    }))
  }

  /** Deletes entries older than `before` (epoch ms); returns how many went. */
  async prune(before: number): Promise<number> {
    const result = await this.ctx.db.deleteFrom('message_lineage').where('at', '<', before).executeTakeFirst()
    return Number(result.numDeletedRows)
  }
}
