// @ts-check
/**
 * The control plane's SQLite writer thread (see `sqlite-split-driver.ts`): one connection that runs
 * every statement except plain reads. Plain JavaScript, because the thread starts without the
 * TypeScript loader.
 *
 * Messages in: `{ id, sql, parameters }` to run a statement, `{ id, close: true }` to close.
 * Messages out: `{ ready: true }` once open, or `{ openError }`; per statement `{ id, rows }`
 * (statements that return rows), `{ id, changes, lastInsertRowid }` or `{ id, error }`.
 */
import { Buffer } from 'node:buffer'
import process from 'node:process'
import { parentPort, workerData } from 'node:worker_threads'
import Database from 'better-sqlite3'

/** @type {{ path: string, pragmas: string[], statementCacheSize: number }} */
const { path, pragmas, statementCacheSize } = workerData
const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)

/** @type {import('better-sqlite3').Database} */
let db
try {
  db = new Database(path)
  for (const pragma of pragmas) db.pragma(pragma)
  port.postMessage({ ready: true })
} catch (error) {
  port.postMessage({ openError: describe(error) })
  process.exit(1)
}

/** Prepared statements by SQL text, least recently used first. */
const statements = new Map()

/** @param {string} sql */
function prepare(sql) {
  let statement = statements.get(sql)
  if (statement) {
    statements.delete(sql)
  } else {
    statement = db.prepare(sql)
    if (statements.size >= statementCacheSize) statements.delete(statements.keys().next().value)
  }
  statements.set(sql, statement)
  return statement
}

/** Buffers arrive as plain Uint8Arrays; better-sqlite3 binds Buffers as blobs. @param {unknown} value */
const bindable = (value) =>
  value instanceof Uint8Array && !Buffer.isBuffer(value)
    ? Buffer.from(value.buffer, value.byteOffset, value.byteLength)
    : value

/** @param {unknown} error */
function describe(error) {
  const e = /** @type {{ name?: string, message?: string, code?: string }} */ (error)
  return { name: e?.name ?? 'Error', message: e?.message ?? String(error), code: e?.code }
}

port.on('message', (request) => {
  if (request.close) {
    db.close()
    port.postMessage({ id: request.id, closed: true })
    port.close()
    return
  }
  try {
    const statement = prepare(request.sql)
    const parameters = request.parameters.map(bindable)
    if (statement.reader) {
      port.postMessage({ id: request.id, rows: statement.all(parameters) })
    } else {
      const { changes, lastInsertRowid } = statement.run(parameters)
      port.postMessage({ id: request.id, changes, lastInsertRowid })
    }
  } catch (error) {
    port.postMessage({ id: request.id, error: describe(error) })
  }
})
