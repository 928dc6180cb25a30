import { closeSync, fdatasync, fsyncSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import type { FileSync } from '../stream-config.ts'

/**
 * Makes commits durable off the event loop.
 *
 * With `synchronous = FULL`, SQLite syncs the WAL inside every COMMIT, and better-sqlite3 runs the
 * COMMIT on the event loop, so each group commit held the loop for as long as the disk took to
 * flush (under the ingest benchmark, the largest single share of the loop's time). Instead the
 * writer commits with `synchronous = OFF`, which hands the WAL frames to the operating system and
 * returns, and this class syncs the WAL file on libuv's thread pool. A write is acknowledged only
 * once a sync that began after its commit has finished: the same guarantee as `FULL`, while the
 * loop goes on parsing the next requests. Commits made while a sync runs share the next one.
 *
 * Why this is as safe as `FULL`: a commit is durable once its WAL frames are on disk, and frames
 * carry checksums chained from the WAL header, so recovery after power loss keeps exactly a prefix
 * of whole transactions; nothing is acknowledged before the sync that covers it. `OFF` only skips
 * syncs the writer itself would make. The writer never checkpoints (the checkpoint thread does, on
 * a connection with `synchronous = FULL`, syncing the WAL before and the database after copying),
 * and the stream turns `FULL` back on before anything else could checkpoint on the writer's
 * connection (a failed checkpoint thread, closing). See docs/decisions.md.
 *
 * A failed sync leaves unknown what reached the disk (the kernel may have dropped the pages), so it
 * fails that write and every later one, as PostgreSQL does; the stream then needs a restart.
 */
export class WalSync {
  readonly #fd: number
  readonly #fdatasync: FileSync
  #syncing = false
  /** Writes committed while a sync runs: the next sync covers them. */
  #waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = []
  #failure: Error | undefined
  #idle: (() => void) | undefined

  /** `walPath` is the database's `-wal` file (created here when SQLite hasn't yet). */
  constructor(walPath: string, sync: FileSync = fdatasync) {
    this.#fdatasync = sync
    this.#fd = openSync(walPath, 'a')
    // A new WAL file must be found again after power loss: its directory entry is synced once.
    const directory = openSync(dirname(walPath), 'r')
    try {
      fsyncSync(directory)
    } finally {
      closeSync(directory)
    }
  }

  /** Resolves once everything committed before the call is on disk. */
  durable(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      this.#waiting.push({ resolve, reject })
      if (!this.#syncing) this.#sync()
    })
  }

  /** Waits for the syncs under way, then closes the file. */
  async close(): Promise<void> {
    if (this.#syncing) await new Promise<void>((resolve) => (this.#idle = resolve))
    closeSync(this.#fd)
  }

  #sync(): void {
    const covered = this.#waiting
    this.#waiting = []
    this.#syncing = true
    this.#fdatasync(this.#fd, (error) => {
      this.#syncing = false
      if (error) {
        this.#failure ??= Object.assign(new Error(`syncing the stream's WAL failed: ${error.message}`), {
          code: error.code,
        })
        for (const waiter of [...covered, ...this.#waiting.splice(0)]) waiter.reject(this.#failure)
      } else {
        for (const waiter of covered) waiter.resolve()
        if (this.#waiting.length > 0) return this.#sync()
      }
      this.#idle?.()
      this.#idle = undefined
    })
  }
}
