// @ts-check
/**
 * The stream's WAL checkpointer thread (see `sqlite-checkpointer.ts`): its own connection to the
 * stream file, which copies committed WAL pages into the database when asked, so that the writer's
 * event loop never waits for a checkpoint. Plain JavaScript, because the thread starts without the
 * TypeScript loader.
 *
 * Messages in: `{ checkpoint: true }` to run a passive checkpoint, `{ close: true }` to close.
 * Messages out: `{ ready: true }` once open, or `{ openError }`; `{ checkpointed: true }` or
 * `{ error }` per checkpoint; `{ closed: true }`.
 */
import process from 'node:process'
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** @type {{ path: string, synchronous: string }} */
const { path, synchronous } = workerData
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)

/** @param {unknown} error */
const describe = (error) => ({
  name: /** @type {Error} */ (error)?.name ?? 'Error',
  message: /** @type {Error} */ (error)?.message ?? String(error),
})

/** @type {import('better-sqlite3').Database} */
let db
try {
  db = new Database(path)
  // The checkpoint syncs the WAL before copying it and the database after, as the writer's would.
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('busy_timeout = 5000')
  port.postMessage({ ready: true })
} catch (error) {
  port.postMessage({ openError: describe(error) })
  process.exit(1)
}

port.on('message', (request) => {
  if (request.close) {
    db.close()
    port.postMessage({ closed: true })
    port.close()
    return
  }
  try {
    // PASSIVE: copies what no reader still needs, without waiting for readers or blocking the writer.
    db.pragma('wal_checkpoint(PASSIVE)')
    port.postMessage({ checkpointed: true })
  } catch (error) {
    port.postMessage({ error: describe(error) })
  }
})
