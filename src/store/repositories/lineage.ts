import { toIso } from '../schema.ts'
import { inTransaction, type RepositoryContext } from './context.ts'

/** One step of a message's way through Switchyard. */
export interface LineageEntry {
  workspaceId: string
  sourceId: string
  messageId: string
  /** The message's `receivedAt`, epoch milliseconds: where its lineage is filed. */
  receivedAt: number
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

/** An entry in a batch row's `entries_json`; empty strings are left out. */
interface StoredEntry {
  messageId: string
  at: number
  seq: number
  stage: string
  destinationId?: string
  outcome: string
  code?: string
  detail?: string
  data?: Record<string, unknown>
}

interface Batch {
  workspaceId: string
  sourceId: string
  receivedAt: number
  firstAt: number
  lastAt: number
  entries: StoredEntry[]
}

/** Batch rows per insert. */
const CHUNK = 200
/** Entries per batch row at most, so that a lookup never parses a huge row. */
const ENTRIES_PER_ROW = 1000
/** Receipt times per lookup query. */
const TIMES_PER_QUERY = 500

/**
 * Per-message lineage, kept for the configured retention.
 *
 * Entries are filed by the message's receipt time, in batch rows: one per flush, source and receipt
 * millisecond (`0007-lineage-by-received-time.ts`). Both indexes grow at their end, so writing costs
 * about one sequential row per ingest request instead of an index entry per message and step at a
 * random place. A message's receipt times come from the archive's message-id index: lineage can be
 * looked up while its message is archived (and the archive has caught up with it). Entries written
 * before that migration (`message_lineage`) are still read and pruned.
 */
export class LineageRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  async append(entries: readonly LineageEntry[]): Promise<void> {
    const rows = batches(entries)
    for (let i = 0; i < rows.length; i += CHUNK) {
      await this.ctx.db
        .insertInto('message_lineage_batches')
        .values(
          rows.slice(i, i + CHUNK).map((b) => ({
            workspace_id: b.workspaceId,
            source_id: b.sourceId,
            received_at: b.receivedAt,
            first_at: b.firstAt,
            last_at: b.lastAt,
            entries: b.entries.length,
            entries_json: JSON.stringify(b.entries),
          })),
        )
        .execute()
    }
  }

  /** Every entry of one message of a source, oldest first. */
  async forMessage(workspaceId: string, sourceId: string, messageId: string): Promise<LineageEntry[]> {
    const archived = await this.ctx.db
      .selectFrom('archive_messages')
      .select('received_at')
      .where('source_id', '=', sourceId)
      .where('message_id', '=', messageId)
      .where('workspace_id', '=', workspaceId)
      .execute()
    const times = [...new Set(archived.map((r) => Date.parse(toIso(r.received_at))))]
    const entries: LineageEntry[] = []
    const needle = `"messageId":${JSON.stringify(messageId)}`
    for (let i = 0; i < times.length; i += TIMES_PER_QUERY) {
      const rows = await this.ctx.db
        .selectFrom('message_lineage_batches')
        .select(['received_at', 'entries_json'])
        .where('received_at', 'in', times.slice(i, i + TIMES_PER_QUERY))
        .where('source_id', '=', sourceId)
        .where('workspace_id', '=', workspaceId)
        .execute()
      for (const row of rows) {
        if (!row.entries_json.includes(needle)) continue
        for (const stored of JSON.parse(row.entries_json) as StoredEntry[]) {
          if (stored.messageId === messageId)
            entries.push(fromStored(workspaceId, sourceId, Number(row.received_at), stored))
        }
      }
    }
    entries.push(...(await this.#legacy(workspaceId, sourceId, messageId, times[0] ?? 0)))
    return entries.sort((a, b) => a.at - b.at || a.seq - b.seq)
  }

  /** Deletes entries older than `before` (epoch ms); returns how many went. */
  async prune(before: number): Promise<number> {
    return inTransaction(this.ctx, async ({ db }) => {
      // Rows whose entries are all older go whole.
      const { total } = await db
        .selectFrom('message_lineage_batches')
        .select((eb) => eb.fn.sum<number | string | null>('entries').as('total'))
        .where('first_at', '<', before)
        .where('last_at', '<', before)
        .executeTakeFirstOrThrow()
      await db
        .deleteFrom('message_lineage_batches')
        .where('first_at', '<', before)
        .where('last_at', '<', before)
        .execute()
      let deleted = Number(total ?? 0)
      // Rows holding entries from both sides of `before` (a flush spans a second) keep the newer ones.
      const straddling = await db
        .selectFrom('message_lineage_batches')
        .select(['id', 'entries_json'])
        .where('first_at', '<', before)
        .execute()
      for (const row of straddling) {
        const stored = JSON.parse(row.entries_json) as StoredEntry[]
        const kept = stored.filter((e) => e.at >= before)
        deleted += stored.length - kept.length
        await db
          .updateTable('message_lineage_batches')
          .set({
            entries_json: JSON.stringify(kept),
            entries: kept.length,
            first_at: Math.min(...kept.map((e) => e.at)),
          })
          .where('id', '=', row.id as number)
          .execute()
      }
      const legacy = await db.deleteFrom('message_lineage').where('at', '<', before).executeTakeFirst()
      return deleted + Number(legacy.numDeletedRows)
    })
  }

  /** Entries written before lineage was filed by receipt time (`message_lineage`). */
  async #legacy(
    workspaceId: string,
    sourceId: string,
    messageId: string,
    receivedAt: number,
  ): Promise<LineageEntry[]> {
    const rows = await this.ctx.db
      .selectFrom('message_lineage')
      .selectAll()
      .where('source_id', '=', sourceId)
      .where('message_id', '=', messageId)
      .where('workspace_id', '=', workspaceId)
      .execute()
    return rows.map((r) => ({
      workspaceId: r.workspace_id,
      sourceId: r.source_id,
      messageId: r.message_id,
      receivedAt,
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
}

/** Groups entries into batch rows: by workspace, source and receipt time, in the order given. Pure. */
function batches(entries: readonly LineageEntry[]): Batch[] {
  const rows: Batch[] = []
  const open = new Map<string, Batch>()
  for (const e of entries) {
    const key = `${e.workspaceId}\0${e.sourceId}\0${e.receivedAt}`
    let batch = open.get(key)
    if (batch === undefined || batch.entries.length >= ENTRIES_PER_ROW) {
      batch = {
        workspaceId: e.workspaceId,
        sourceId: e.sourceId,
        receivedAt: e.receivedAt,
        firstAt: e.at,
        lastAt: e.at,
        entries: [],
      }
      open.set(key, batch)
      rows.push(batch)
    }
    batch.firstAt = Math.min(batch.firstAt, e.at)
    batch.lastAt = Math.max(batch.lastAt, e.at)
    batch.entries.push({
      messageId: e.messageId,
      at: e.at,
      seq: e.seq,
      stage: e.stage,
      ...(e.destinationId !== '' && { destinationId: e.destinationId }),
      outcome: e.outcome,
      ...(e.code !== '' && { code: e.code }),
      ...(e.detail !== '' && { detail: e.detail }),
      ...(e.data !== undefined && { data: e.data }),
    })
  }
  return rows
}

function fromStored(workspaceId: string, sourceId: string, receivedAt: number, e: StoredEntry): LineageEntry {
  return {
    workspaceId,
    sourceId,
    messageId: e.messageId,
    receivedAt,
    at: e.at,
    seq: e.seq,
    stage: e.stage,
    destinationId: e.destinationId ?? '',
    outcome: e.outcome,
    code: e.code ?? '',
    detail: e.detail ?? '',
    ...(e.data !== undefined && { data: e.data }),
  }
}
