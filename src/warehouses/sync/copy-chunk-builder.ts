/**
 * Builds a sync's COPY chunks (`CopyChunkBuild`) in build threads (`build-threads.ts`), so that the
 * JavaScript work of a chunk (reading each message, its rows, the plan, the COPY rows) runs beside
 * the sync's thread, which reads the stream and loads the chunk before. A chunk's records go to its
 * thread batch by batch as they are read, so no thread's heap holds a whole chunk of messages. Several
 * chunks are built at once (`parallelism`, two per thread). Each goes to a thread when it is begun, the
 * one likely to be free first, and a thread builds its chunks one after the other, each from its
 * messages in order: a chunk's messages go to the thread once the chunk before it there has sent its
 * `finish` (in a sync, at once). Behind the chunk being built they wait in the thread's message
 * queue, outside any JavaScript heap. (Held in the sync's thread until a thread was free, they outlived
 * its young generation: its scavenges took about twice as long.) The sync plans each chunk against
 * the schema it knows and restates the plan once the chunks before it are planned (`rebasePlan`).
 *
 * A sync that expects enough records to be worth the threads (`minRecords`) builds every chunk there,
 * its small first and last ones too; a smaller sync builds in its own thread. Chunks are not built in
 * the sync's thread beside the threads: its optimized code does not last from one sync to the next
 * (the garbage collector drops it with the objects it was made for, in a thread that does other work
 * between syncs), so each sync compiled its build code again, where an idle build thread keeps it. A
 * thread that fails or dies is not replaced during the sync: the chunks it had fail with
 * `ChunkThreadGone` (the sync builds them again in its own thread), and every chunk after is built in
 * the sync's thread. Either way the outcome is the same.
 */
import {
  ChunkBuildThreads,
  type BuildMessage,
  type BuildThread,
  type BuildThreadListener,
  type ChunkReply,
} from './build-threads.ts'
import { CopyChunkBuild, type CopyChunk, type CopyChunkStart, type CopyRecords } from './copy-chunk.ts'

/** Syncs of fewer records build their chunks in the sync's thread. */
export const WORKER_MIN_RECORDS = 5000

/** The thread building a chunk ended: the chunk has to be built again. */
export class ChunkThreadGone extends Error {}

/** A chunk being built: its records, batch by batch, then the outcome. */
export interface CopyJob {
  /** Built in the sync's own thread as its records come. */
  readonly inline: boolean
  add(records: CopyRecords): void
  finish(): Promise<CopyChunk>
}

export interface CopyChunkBuilderOptions {
  /** The smallest sync worth the threads (`Infinity`: never; 0: every sync). Default `WORKER_MIN_RECORDS`. */
  readonly minRecords?: number
  /**
   * The threads, kept by the caller from one sync to the next (a sync service's). Default: threads of
   * this builder's own (`threads` of them), ended by `close`.
   */
  readonly pool?: ChunkBuildThreads
  /** Threads of the builder's own, without `pool`. Default `DEFAULT_BUILD_THREADS`. */
  readonly threads?: number
}

export class CopyChunkBuilder implements BuildThreadListener {
  readonly #minRecords: number
  readonly #pool: ChunkBuildThreads
  readonly #ownPool: boolean
  #threads: BuildThread[] | undefined
  /** Each thread's chunks not answered yet, in the order sent: the first is the one being built. */
  readonly #jobs = new Map<BuildThread, WorkerJob[]>()
  #failed = false
  #begun = 0

  constructor(options: CopyChunkBuilderOptions = {}) {
    this.#minRecords = options.minRecords ?? WORKER_MIN_RECORDS
    this.#ownPool = options.pool === undefined
    this.#pool = options.pool ?? new ChunkBuildThreads({ count: options.threads, idleMs: 0 })
    if (this.#pool.count === 0) this.#failed = true
  }

  /** How many chunks are worth sending off at once: two per thread (one building, one queued). */
  parallelism(): number {
    return this.#failed ? 1 : 2 * this.#pool.count
  }

  /** Whether a sync of about `records` records builds its chunks in the threads. */
  usesThreads(records: number): boolean {
    return !this.#failed && records >= this.#minRecords
  }

  /** Takes the threads now (a sync that has many records to load takes them before it reads any). */
  start(): void {
    if (this.#threads !== undefined || this.#failed) return
    this.#threads = this.#pool.lease(this)
    if (this.#threads.length === 0) this.#failed = true
  }

  /**
   * Starts a chunk of a sync of about `expected` records: in a thread, or in the sync's own thread
   * (`inline`) for a small sync or once the threads are gone. A chunk goes to the thread likely to be
   * free first: the one with the fewest records sent and not answered, or, as many, the one whose
   * oldest chunk was begun first.
   */
  begin(start: CopyChunkStart, expected: number): CopyJob {
    if (!this.usesThreads(expected)) return inline(start)
    this.start()
    if (this.#failed) return inline(start)
    let chosen: BuildThread | undefined
    let least = Infinity
    let oldest = Infinity
    for (const thread of this.#threads!) {
      const jobs = this.#jobs.get(thread) ?? []
      const records = jobs.reduce((sum, job) => sum + job.records, 0)
      const first = jobs[0]?.order ?? -1
      if (records < least || (records === least && first < oldest)) {
        chosen = thread
        least = records
        oldest = first
      }
    }
    const thread = chosen!
    let jobs = this.#jobs.get(thread)
    if (jobs === undefined) this.#jobs.set(thread, (jobs = []))
    const job = new WorkerJob(start, this.#begun++, thread)
    const before = jobs.at(-1)
    jobs.push(job)
    if (before !== undefined) before.chain(job)
    else if (thread.ready) job.open()
    return job
  }

  /**
   * Done with the threads: chunks not answered yet fail (`ChunkThreadGone`), the threads that had them
   * end, the others go back to the pool.
   */
  async close(): Promise<void> {
    const threads = this.#threads
    this.#threads = undefined
    this.#failed = true
    const busy: BuildThread[] = []
    for (const [thread, jobs] of this.#jobs) {
      if (jobs.length > 0) busy.push(thread)
      for (const job of jobs) job.gone()
    }
    this.#jobs.clear()
    if (threads !== undefined) await this.#pool.release(busy)
    if (this.#ownPool) await this.#pool.close()
  }

  ready(thread: BuildThread): void {
    this.#jobs.get(thread)?.[0]?.open()
  }

  reply(thread: BuildThread, reply: ChunkReply): void {
    // A thread answers its chunks in the order they were sent.
    this.#jobs.get(thread)?.shift()?.settle(reply)
  }

  /** A thread ended: its chunks fail (to be built again), and later ones are built in this thread. */
  gone(thread: BuildThread): void {
    for (const job of this.#jobs.get(thread) ?? []) job.gone()
    this.#jobs.delete(thread)
    this.#failed = true
  }
}

function inline(start: CopyChunkStart): CopyJob {
  const build = new CopyChunkBuild(start)
  return {
    inline: true,
    add: (records) => void build.add(records),
    finish: async () => build.finish(),
  }
}

/**
 * A chunk built by a thread. Its messages go to the thread once the thread is ready and the chunk
 * before it there has sent its `finish` (a thread builds one chunk at a time, from its messages in
 * order); until then they wait here.
 */
class WorkerJob implements CopyJob {
  readonly inline = false
  /** Records added so far. */
  records = 0
  /** Jobs begun before this one (by the same builder). */
  readonly order: number
  readonly #thread: BuildThread
  /** Posting to the thread (its messages no longer wait). */
  #open = false
  #pending: BuildMessage[] = []
  #finished = false
  /** The chunk sent to the same thread after this one. */
  #next: WorkerJob | undefined
  #settled = false
  readonly #outcome: Promise<CopyChunk>
  #resolve!: (chunk: CopyChunk) => void
  #reject!: (error: Error) => void

  constructor(start: CopyChunkStart, order: number, thread: BuildThread) {
    this.order = order
    this.#thread = thread
    this.#outcome = new Promise<CopyChunk>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // Unhandled until `finish` is asked for (the sync may stop before).
    this.#outcome.catch(() => {})
    this.#pending.push({ start })
  }

  add(records: CopyRecords): void {
    if (this.#finished) throw new Error('records added to a chunk after its finish')
    this.records += records.keys.length
    this.#send({ records })
  }

  finish(): Promise<CopyChunk> {
    if (!this.#finished) {
      this.#finished = true
      this.#send({ finish: true })
      if (this.#open) this.#next?.open()
    }
    return this.#outcome
  }

  /** `next` is sent to the same thread after this chunk. */
  chain(next: WorkerJob): void {
    this.#next = next
    if (this.#open && this.#finished) next.open()
  }

  /** Sends what waited, then each message as it comes; the next chunk opens once this one has finished. */
  open(): void {
    if (this.#open) return
    this.#open = true
    for (const message of this.#pending) this.#send(message)
    this.#pending = []
    if (this.#finished) this.#next?.open()
  }

  settle(reply: ChunkReply): void {
    if (this.#settled) return
    this.#settled = true
    if ('chunk' in reply) this.#resolve(reply.chunk)
    else this.#reject(Object.assign(new Error(reply.error.message), { stack: reply.error.stack ?? '' }))
  }

  gone(): void {
    if (this.#settled) return
    this.#settled = true
    this.#pending = []
    this.#reject(new ChunkThreadGone('the thread building the chunk ended'))
  }

  #send(message: BuildMessage): void {
    if (this.#settled) return
    if (this.#open) this.#thread.post(message)
    else this.#pending.push(message)
  }
}
