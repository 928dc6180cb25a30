import type { Kysely, SelectQueryBuilder } from 'kysely'
import type { StoreCapabilities } from '../dialect.ts'
import type { ControlPlaneDatabase } from '../schema.ts'
import type { SecretBox } from '../secrets.ts'

/**
 * What every repository gets: a query executor (the pool or a transaction), the engine's
 * capabilities, the secret box and a clock.
 */
export interface RepositoryContext {
  readonly db: Kysely<ControlPlaneDatabase>
  readonly capabilities: StoreCapabilities
  readonly secrets: SecretBox
  readonly now: () => Date
}

export interface Page {
  offset: number
  limit: number
}

export interface PageResult<T> {
  items: T[]
  total: number
}

export const nowIso = (ctx: RepositoryContext): string => ctx.now().toISOString()

/**
 * Runs `work` in the caller's transaction when there is one, else in a new one. Repository
 * methods that check a rule and then write (read-check-write) use this, so the rule holds even
 * when they are called on their own.
 */
export function inTransaction<T>(
  ctx: RepositoryContext,
  work: (tx: RepositoryContext) => Promise<T>,
): Promise<T> {
  if (ctx.db.isTransaction) return work(ctx)
  return ctx.db.transaction().execute((trx) => work({ ...ctx, db: trx }))
}

/** How many rows a (filtered, unpaged) query matches: the `total` of a page. */
export async function countRows<DB, TB extends keyof DB>(
  query: SelectQueryBuilder<DB, TB, object>,
): Promise<number> {
  const row = await query
    .select((eb) => eb.fn.countAll<number | string>().as('total'))
    .executeTakeFirstOrThrow()
  return Number((row as { total: number | string }).total)
}
