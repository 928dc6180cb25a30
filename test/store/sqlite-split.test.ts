import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { sql, type Kysely } from 'kysely'
import { isUniqueViolation, openDatabase } from '../../src/store/dialect.ts'
import { createSqliteDatabase, type TestDatabase } from '../support/services.ts'

/**
 * The control plane on SQLite writes on a thread of its own (`sqlite-split-driver.ts`) and reads in
 * the event loop's thread: a transaction in flight holds back other writes, never reads.
 */
describe('SQLite control plane: writes on their own thread', () => {
  let database: TestDatabase
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a scratch table outside the schema
  let db: Kysely<any>

  before(async () => {
    database = createSqliteDatabase()
    if (database.target.kind !== 'sqlite') throw new Error('unreachable')
    db = openDatabase(database.target).db
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('v', 'text', (c) => c.notNull())
      .execute()
  })
  after(async () => {
    await db?.destroy()
    await database?.drop()
  })

  test('reads see committed writes at once; a transaction in flight holds back writes, not reads', async () => {
    await db.insertInto('t').values({ id: 1, v: 'one' }).execute()
    assert.deepEqual(await db.selectFrom('t').select('v').execute(), [{ v: 'one' }])

    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    let inserted = false
    const transaction = db.transaction().execute(async (tx) => {
      await tx.insertInto('t').values({ id: 2, v: 'two' }).execute()
      assert.equal(
        (await tx.selectFrom('t').selectAll().execute()).length,
        2,
        'the transaction sees its write',
      )
      await held
    })
    await new Promise((r) => setTimeout(r, 20))
    const write = db
      .insertInto('t')
      .values({ id: 3, v: 'three' })
      .execute()
      .then(() => (inserted = true))
    // Outside the transaction, reads answer at once with what is committed.
    assert.deepEqual(await db.selectFrom('t').select('id').orderBy('id').execute(), [{ id: 1 }])
    await new Promise((r) => setTimeout(r, 20))
    assert.equal(inserted, false, 'a write waits for the transaction')
    release()
    await transaction
    await write
    assert.deepEqual(await db.selectFrom('t').select('id').orderBy('id').execute(), [
      { id: 1 },
      { id: 2 },
      { id: 3 },
    ])
  })

  test('a failed transaction rolls back and frees the writer; errors keep their SQLite code', async () => {
    await assert.rejects(
      db.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: 10, v: 'ten' }).execute()
        await tx.insertInto('t').values({ id: 1, v: 'again' }).execute()
      }),
      (error) => isUniqueViolation(error),
    )
    assert.equal((await db.selectFrom('t').where('id', '=', 10).selectAll().execute()).length, 0)
    await db.insertInto('t').values({ id: 11, v: 'eleven' }).execute()
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db)
    assert.equal(rows[0]!.n, 4)
  })
})
