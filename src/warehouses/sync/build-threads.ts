/**
 * The threads that build warehouse syncs' COPY chunks (`copy-chunk-worker.ts`), kept from one sync to
 * the next: a thread's start and the compiling of its code while it warms up cost more CPU than a
 * small sync's whole build, so a worker process's sync service keeps its threads for `idleMs` after a
 * sync and the next sync finds them started and warm.
 *
 * A thread runs the worker bundled with what it imports into one script (esbuild, once per process,
 * in memory): it starts in tens of milliseconds, without a module loader of its own.
 *
 * One sync at a time uses the threads (`lease` … `release`); it listens to their replies and their
 * end meanwhile. A thread that still has a chunk when its sync lets go of it is ended, so the next
 * sync never receives an earlier sync's chunk; a thread that ends is replaced at the next lease.
 */
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { CopyChunk, CopyChunkStart, CopyRecords } from './copy-chunk.ts'

/**
 * Threads by default: two. A big sync builds all its chunks in them, and a thread waits for its next
 * chunk's records while the sync's thread reads them: with one, the build fell behind the loads.
 */
export const DEFAULT_BUILD_THREADS = 2
/** How long threads wait for the next sync. */
export const DEFAULT_BUILD_IDLE_MS = 5 * 60_000

/** What a thread is sent, per chunk: `start`, any number of `records`, `finish`. */
export type BuildMessage = { start: CopyChunkStart } | { records: CopyRecords } | { finish: true }
/** What a thread answers: `ready` once loaded, then a chunk or an error per `finish`. */
export type BuildReply = { ready: true } | ChunkReply
export type ChunkReply = { chunk: CopyChunk } | { error: { message: string; stack?: string } }

/** Who uses the threads (a sync's `CopyChunkBuilder`): told when one is ready, answers, or ends. */
export interface BuildThreadListener {
  ready(thread: BuildThread): void
  reply(thread: BuildThread, reply: ChunkReply): void
  gone(thread: BuildThread): void
}

/** One thread. Its worker starts once the bundled script is there; messages go to it once it is ready. */
export class BuildThread {
  ready = false
  ended = false
  listener: BuildThreadListener | undefined
  #worker: Worker | undefined

  constructor(script: Promise<string>) {
    script.then(
      (code) => {
        if (!this.ended) this.#start(code)
      },
      () => this.#end(),
    )
  }

  post(message: BuildMessage): void {
    this.#worker!.postMessage(message)
  }

  /** Ends the thread; its listener, if any, is told it is gone. */
  async terminate(): Promise<void> {
    this.#end()
    await this.#worker?.terminate()
  }

  #start(code: string): void {
    const worker = new Worker(code, { eval: true })
    this.#worker = worker
    // Never keeps the process alive on its own.
    worker.unref()
    worker.on('message', (reply: BuildReply) => {
      if ('ready' in reply) {
        this.ready = true
        this.listener?.ready(this)
      } else this.listener?.reply(this, reply)
    })
    worker.on('error', () => this.#end())
    worker.on('exit', () => this.#end())
  }

  #end(): void {
    if (this.ended) return
    this.ended = true
    this.ready = false
    this.listener?.gone(this)
  }
}

export interface ChunkBuildThreadsOptions {
  /** Default `DEFAULT_BUILD_THREADS`. */
  readonly count?: number
  /** Told when the threads' script could not be made (syncs then build in their own thread). */
  readonly onError?: (error: unknown) => void
  /** How long started threads wait for the next sync before they end. Default `DEFAULT_BUILD_IDLE_MS`. */
  readonly idleMs?: number
}

export class ChunkBuildThreads {
  readonly count: number
  readonly #idleMs: number
  readonly #onError: ((error: unknown) => void) | undefined
  #threads: BuildThread[] = []
  #leased = false
  #idle: NodeJS.Timeout | undefined
  #closed = false

  constructor(options: ChunkBuildThreadsOptions = {}) {
    this.count = Math.max(0, options.count ?? DEFAULT_BUILD_THREADS)
    this.#idleMs = options.idleMs ?? DEFAULT_BUILD_IDLE_MS
    this.#onError = options.onError
  }

  /**
   * The threads, started now where they are not running, for one sync that listens to them; none when
   * the pool is closed or another sync has them (that sync's chunks are then built in its own thread).
   */
  lease(listener: BuildThreadListener): BuildThread[] {
    if (this.#closed || this.#leased) return []
    this.#leased = true
    clearTimeout(this.#idle)
    this.#threads = this.#threads.filter((t) => !t.ended)
    while (this.#threads.length < this.count) this.#threads.push(new BuildThread(this.#script()))
    for (const thread of this.#threads) thread.listener = listener
    return [...this.#threads]
  }

  /**
   * The sync is done with the threads. Those in `busy` (a chunk sent and not answered) are ended; the
   * others wait `idleMs` for the next sync.
   */
  async release(busy: readonly BuildThread[] = []): Promise<void> {
    if (!this.#leased) return
    for (const thread of this.#threads) thread.listener = undefined
    await Promise.all(busy.map((t) => t.terminate()))
    this.#threads = this.#threads.filter((t) => !t.ended)
    this.#leased = false
    if (this.#threads.length > 0 && !this.#closed) {
      this.#idle = setTimeout(() => void this.#endAll(), this.#idleMs)
      this.#idle.unref()
    }
  }

  /** The threads' script; a failure is reported, and the next lease tries again. */
  #script(): Promise<string> {
    const made = workerScript()
    made.catch((e: unknown) => this.#onError?.(e))
    return made
  }

  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#idle)
    await this.#endAll()
  }

  async #endAll(): Promise<void> {
    const threads = this.#threads
    this.#threads = []
    await Promise.all(threads.map((t) => t.terminate()))
  }
}

let script: Promise<string> | undefined

/** The worker and what it imports as one CommonJS script, bundled once per process (again after a failure). */
function workerScript(): Promise<string> {
  if (script !== undefined) return script
  const made = (async () => {
    const { build } = await import('esbuild')
    const result = await build({
      entryPoints: [fileURLToPath(new URL('./copy-chunk-worker.ts', import.meta.url))],
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      write: false,
      logLevel: 'silent',
    })
    return result.outputFiles[0]!.text
  })()
  script = made
  made.catch(() => {
    if (script === made) script = undefined
  })
  return made
}
