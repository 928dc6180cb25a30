import type { RepositoryContext } from './context.ts'

/**
 * Where a stream consumer that writes to the control plane has got to, kept in the same
 * transaction as what it writes (metering, archive): a batch is applied exactly once, whichever
 * of several processes reads it.
 */
export class ConsumerPositionRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** The consumer's position in its stream (0 before its first batch). */
  async get(consumer: string): Promise<number> {
    const row = await this.ctx.db
      .selectFrom('consumer_positions')
      .select('position')
      .where('consumer', '=', consumer)
      .executeTakeFirst()
    return row ? Number(row.position) : 0
  }

  /**
   * Moves a consumer's position from `from` to `to`, only if it is still at `from`; false when
   * another consumer got there first. Call it first in the transaction that applies the batch: the
   * update locks the row (PostgreSQL) or the database (SQLite), so a concurrent consumer waits,
   * then finds the position moved and applies nothing.
   */
  async advance(consumer: string, from: number, to: number): Promise<boolean> {
    await this.ctx.db
      .insertInto('consumer_positions')
      .values({ consumer, position: 0 })
      .onConflict((oc) => oc.column('consumer').doNothing())
      .execute()
    const result = await this.ctx.db
      .updateTable('consumer_positions')
      .set({ position: to })
      .where('consumer', '=', consumer)
      .where('position', '=', from)
      .executeTakeFirst()
    return Number(result.numUpdatedRows) === 1
  }
}
