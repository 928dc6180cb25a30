/**
 * Builds a sync's COPY chunks (`CopyChunkBuild`) in worker threads, so that the JavaScript work of a
 * chunk (reading each message, its rows, the plan, the COPY text) runs on another core while the sync's
 * thread reads the stream and loads the chunk before. A chunk's records go to its thread batch by batch
 * as they are read, so no thread holds a whole chunk of messages. Several chunks are built at once:
 * one per thread, one waiting per thread, and (`inlineWhenBusy`) one in the sync's own thread while the
 * threads are busy or still starting; the sync plans each against the schema it knows and restates the
 * plan once the chunks before it are planned (`rebasePlan`).
 *
 * Threads start when the sync expects enough records to be worth it (`start`, or the first chunk of at
 * least `minRecords`); smaller chunks are built in the sync's own thread. A thread that fails or dies is
 * not restarted: the chunks it had fail with `ChunkThreadGone` (the sync builds them again in its own
 * thread), and every chunk after is built in the sync's thread. Either way the outcome is the same.
 */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { CopyChunkBuild, type CopyChunk, type CopyChunkStart, type CopyRecords } from './copy-chunk.ts'

/** Chunks of fewer records are built in the sync's thread (starting a thread takes about 0.3 s). */
export const WORKER_MIN_RECORDS = 5000

/**
 * Threads by default: one on a machine of two cores or fewer (a second isolate's start and compilation
 * cost more than it gives when the warehouse shares the machine), else two.
 */
export const DEFAULT_BUILD_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1))

/** The thread building a chunk ended: the chunk has to be built again. */
export class ChunkThreadGone extends Error {}

/** A chunk being built: its records, batch by batch, then the outcome. */
export interface CopyJob {
  /** Built in the sync's own thread as its records come. */
  readonly inline: boolean
  add(records: CopyRecords): void
  finish(): Promise<CopyChunk>
}

type Message = { start: CopyChunkStart } | { records: CopyRecords } | { finish: true }
type Reply = { ready: true } | { chunk: CopyChunk } | { error: { message: string; stack?: string } }

interface Thread {
  readonly worker: Worker
  /** Loaded and listening. */
  ready: boolean
  job: WorkerJob | undefined
}

export interface CopyChunkBuilderOptions {
  /** The smallest chunk worth a thread (`Infinity`: never; 0: every chunk). Default `WORKER_MIN_RECORDS`. */
  readonly minRecords?: number
  /** Default `DEFAULT_BUILD_THREADS`. */
  readonly threads?: number
}

export class CopyChunkBuilder {
  readonly #minRecords: number
  readonly #threadCount: number
  #threads: Thread[] | undefined
  #failed = false
  /** Jobs waiting for a free thread, in order. */
  readonly #waiting: WorkerJob[] = []

  constructor(options: CopyChunkBuilderOptions = {}) {
    this.#minRecords = options.minRecords ?? WORKER_MIN_RECORDS
    this.#threadCount = Math.max(0, options.threads ?? DEFAULT_BUILD_THREADS)
    if (this.#threadCount === 0) this.#failed = true
  }

  /**
   * How many chunks are worth sending off at once: two per thread (one building, one waiting), plus
   * one built here with `inlineWhenBusy`.
   */
  parallelism(inlineWhenBusy: boolean): number {
    return this.#failed ? 1 : 2 * this.#threadCount + (inlineWhenBusy ? 1 : 0)
  }

  /** Whether a chunk of about `records` records goes to a thread. */
  usesThreads(records: number): boolean {
    return !this.#failed && records >= this.#minRecords
  }

  /** Starts the threads now (a sync that has many records to load starts them before it reads any). */
  start(): void {
    if (this.#threads !== undefined || this.#failed) return
    this.#threads = []
    for (let i = 0; i < this.#threadCount; i++) this.#threads.push(this.#spawn())
  }

  /**
   * Starts a chunk of about `expected` records: in a thread, or in the sync's own thread (`inline`)
   * for a small chunk, or when every thread is busy and `inlineWhenBusy`.
   */
  begin(start: CopyChunkStart, expected: number, inlineWhenBusy = false): CopyJob {
    if (!this.usesThreads(expected)) return inline(start)
    this.start()
    // Built here when every thread has a chunk waiting already, or while no thread has started yet
    // (the first chunks: the first load starts sooner).
    if (inlineWhenBusy) {
      const threads = this.#threads!
      const starting = threads.every((t) => !t.ready)
      if (starting || this.#waiting.length >= threads.length) return inline(start)
    }
    const job = new WorkerJob(start)
    this.#waiting.push(job)
    this.#assign()
    return job
  }

  async close(): Promise<void> {
    const threads = this.#threads ?? []
    this.#threads = undefined
    this.#fail()
    await Promise.all(threads.map((t) => t.worker.terminate()))
  }

  #spawn(): Thread {
    const worker = new Worker(new URL('./copy-chunk-worker.js', import.meta.url))
    const thread: Thread = { worker, ready: false, job: undefined }
    // Never keeps the process alive on its own.
    worker.unref()
    worker.on('message', (reply: Reply) => {
      if ('ready' in reply) {
        thread.ready = true
        return
      }
      const job = thread.job
      thread.job = undefined
      job?.settle(reply)
      this.#assign()
    })
    const gone = () => {
      thread.job?.gone()
      thread.job = undefined
      this.#fail()
    }
    worker.on('error', gone)
    worker.on('exit', gone)
    return thread
  }

  /** Gives waiting jobs to free threads. */
  #assign(): void {
    for (const thread of this.#threads ?? []) {
      if (this.#waiting.length === 0) return
      if (thread.job !== undefined) continue
      const job = this.#waiting.shift()!
      thread.job = job
      job.run(thread.worker)
    }
  }

  /** No more threads: waiting jobs fail (to be built again), later ones are built in this thread. */
  #fail(): void {
    this.#failed = true
    for (const job of this.#waiting.splice(0)) job.gone()
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

/** A chunk built by a thread; its messages wait until it has one. */
class WorkerJob implements CopyJob {
  readonly inline = false
  #worker: Worker | undefined
  #pending: Message[] = []
  #settled = false
  readonly #outcome: Promise<CopyChunk>
  #resolve!: (chunk: CopyChunk) => void
  #reject!: (error: Error) => void

  constructor(start: CopyChunkStart) {
    this.#outcome = new Promise<CopyChunk>((resolve, reject) => {
      this.#resolve = resolve
      this.#reject = reject
    })
    // Unhandled until `finish` is asked for (the sync may stop before).
    this.#outcome.catch(() => {})
    this.#pending.push({ start })
  }

  add(records: CopyRecords): void {
    this.#send({ records })
  }

  finish(): Promise<CopyChunk> {
    this.#send({ finish: true })
    return this.#outcome
  }

  run(worker: Worker): void {
    this.#worker = worker
    for (const message of this.#pending) worker.postMessage(message)
    this.#pending = []
  }

  settle(reply: Exclude<Reply, { ready: true }>): void {
    if (this.#settled) return
    this.#settled = true
    if ('chunk' in reply) this.#resolve(reply.chunk)
    else this.#reject(Object.assign(new Error(reply.error.message), { stack: reply.error.stack ?? '' }))
  }

  gone(): void {
    if (this.#settled) return
    this.#settled = true
    this.#reject(new ChunkThreadGone('the thread building the chunk ended'))
  }

  #send(message: Message): void {
    if (this.#settled) return
    if (this.#worker === undefined) this.#pending.push(message)
    else this.#worker.postMessage(message)
  }
}
