import { Worker } from 'node:worker_threads'
import type { Database } from 'better-sqlite3'

/** When to ask for a checkpoint: about SQLite's own default of 1000 pages of 4 KiB. */
export interface CheckpointTrigger {
  /** Value bytes committed since the last request. Default 4 MiB. */
  readonly bytes: number
  /** Transactions committed since the last request (each dirties a few pages). Default 1000. */
  readonly transactions: number
}

const DEFAULT_TRIGGER: CheckpointTrigger = { bytes: 4 * 1024 * 1024, transactions: 1000 }

/** SQLite's own automatic checkpoint, in pages; what the writer falls back to without the thread. */
const AUTOCHECKPOINT_PAGES = 1000

/**
 * Moves WAL checkpoints off the writer's thread.
 *
 * SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1000 pages: that
 * commit copies every page into the database file and syncs it twice, and better-sqlite3 runs it
 * on the event loop. Measured under the ingest benchmark, that was half of the time spent in
 * commits. Here the writer's automatic checkpoint is turned off and a worker thread, with its own
 * connection, runs a passive checkpoint after every `trigger` worth of commits. A passive
 * checkpoint never blocks the writer; when it can't copy everything (a reader still needs old
 * pages) the next one continues.
 *
 * Durability is unchanged: a commit is durable when its WAL frames are synced (by the commit
 * itself, or by `WalSync`), and a checkpoint only copies committed frames, syncing the WAL before
 * and the database after. Should the thread fail, the writer's automatic checkpoint is turned back
 * on, with the thread's `synchronous` setting.
 */
export class WalCheckpointer {
  readonly #db: Database
  readonly #workerData: { path: string; synchronous: string }
  readonly #trigger: CheckpointTrigger
  readonly #onError: (error: Error) => void
  /** Started with the first checkpoint: a stream that never writes much never starts a thread. */
  #worker: Worker | undefined
  #bytes = 0
  #transactions = 0
  #running = false
  #requested = false
  #failed = false
  #exited = false
  #closed: Promise<void> | undefined

  constructor(
    db: Database,
    options: {
      path: string
      synchronous: string
      trigger?: CheckpointTrigger
      onError: (error: Error) => void
    },
  ) {
    this.#db = db
    this.#workerData = { path: options.path, synchronous: options.synchronous }
    this.#trigger = options.trigger ?? DEFAULT_TRIGGER
    this.#onError = options.onError
    db.pragma('wal_autocheckpoint = 0')
  }

  /** Tells the checkpointer a transaction committed, with the value bytes it wrote. */
  committed(bytes: number): void {
    if (this.#failed || this.#closed !== undefined) return
    this.#bytes += bytes
    this.#transactions += 1
    if (this.#bytes >= this.#trigger.bytes || this.#transactions >= this.#trigger.transactions)
      this.#request()
  }

  /** Stops the thread (closing its connection) before the writer closes its own. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const worker = this.#worker
      if (worker === undefined || this.#exited) return resolve()
      worker.once('exit', () => resolve())
      worker.ref() // the close is awaited: the thread must be allowed to finish it
      if (this.#failed) void worker.terminate()
      else worker.postMessage({ close: true })
    })
    return this.#closed
  }

  #request(): void {
    this.#bytes = 0
    this.#transactions = 0
    if (this.#running) {
      this.#requested = true
      return
    }
    this.#running = true
    this.#requested = false
    ;(this.#worker ??= this.#start()).postMessage({ checkpoint: true })
  }

  #start(): Worker {
    const worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
      workerData: this.#workerData,
    })
    // Never keeps the process alive: a checkpoint left undone is done by the next one, or on open.
    worker.unref()
    worker.on('message', (reply: Reply) => {
      if (reply.openError || reply.error) return this.#fail(asError(reply.openError ?? reply.error!))
      if (reply.checkpointed) {
        this.#running = false
        if (this.#requested && this.#closed === undefined) this.#request()
      }
    })
    worker.on('error', (error) => this.#fail(error))
    worker.on('exit', (code) => {
      this.#exited = true
      if (this.#closed === undefined)
        this.#fail(new Error(`the WAL checkpoint thread stopped (exit code ${code})`))
    })
    return worker
  }

  #fail(error: Error): void {
    if (this.#failed) return
    this.#failed = true
    try {
      if (this.#db.open) {
        // The writer checkpoints again, so it must sync as the thread did (it may commit with `OFF`).
        this.#db.pragma(`synchronous = ${this.#workerData.synchronous}`)
        this.#db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`)
      }
    } finally {
      this.#onError(error)
    }
  }
}

interface Reply {
  ready?: true
  openError?: { name: string; message: string }
  checkpointed?: true
  error?: { name: string; message: string }
  closed?: true
}

function asError(described: { name: string; message: string }): Error {
  const error = new Error(described.message)
  error.name = described.name
  return error
}
