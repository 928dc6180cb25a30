import type { Kysely } from 'kysely'
import type { ControlPlaneDatabase } from '../schema.ts'
import type { SecretBox } from '../secrets.ts'

/** What every repository gets: a query executor (the pool or a transaction), the secret box and a clock. */
export interface RepositoryContext {
  readonly db: Kysely<ControlPlaneDatabase>
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
