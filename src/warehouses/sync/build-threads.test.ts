import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { copyRowsAsText } from '../loaders/postgres/postgres-copy-binary.ts'
import {
  ChunkBuildThreads,
  type BuildThread,
  type BuildThreadListener,
  type ChunkReply,
} from './build-threads.ts'
import { CopyChunkBuilder } from './copy-chunk-builder.ts'
import type { CopyChunk, CopyRecords } from './copy-chunk.ts'

const rules = { sourceEnabled: true, disabledTables: new Set<string>(), disabledColumns: new Map() }
const at = '2026-11-20T10:00:00.000Z'
const start = { uuidTs: Date.parse(at), maxColumnsPerTable: 1600 }

function records(count: number): CopyRecords {
  const values = Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      message: { type: 'track', event: 'Viewed', messageId: `m${i}`, receivedAt: at, properties: { n: i } },
    }),
  )
  return { keys: values.map(() => 'src'), values, sources: { src: { rules, schema: {} } } }
}

const text = (chunk: CopyChunk) =>
  chunk.sources.flatMap((s) => s.batches ?? []).map((b) => [b.table, copyRowsAsText(b.data, b.columns)])

/** Records what the threads tell; `ready()` settles once every thread is ready. */
class Listener implements BuildThreadListener {
  readonly replies: ChunkReply[] = []
  readonly goneThreads: BuildThread[] = []
  #threads: BuildThread[] = []
  #wake: (() => void) | undefined

  watch(threads: BuildThread[]): BuildThread[] {
    this.#threads = threads
    return threads
  }

  async allReady(): Promise<void> {
    while (!this.#threads.every((t) => t.ready)) await new Promise<void>((resolve) => (this.#wake = resolve))
  }

  ready(): void {
    this.#wake?.()
  }

  reply(_thread: BuildThread, reply: ChunkReply): void {
    this.replies.push(reply)
    this.#wake?.()
  }

  gone(thread: BuildThread): void {
    this.goneThreads.push(thread)
  }
}

describe('ChunkBuildThreads', () => {
  test('threads are kept from one sync to the next, started and ready', async () => {
    const pool = new ChunkBuildThreads({ count: 1, idleMs: 60_000 })
    try {
      const first = new CopyChunkBuilder({ pool, minRecords: 0 })
      first.start()
      const here = new CopyChunkBuilder({ threads: 0 })
      const expected = here.begin(start, 10)
      expected.add(records(10))
      // The first chunk of a cold pool waits for the thread to start.
      const job = first.begin(start, 10)
      assert.equal(job.inline, false)
      job.add(records(10))
      const built = text(await expected.finish())
      assert.deepEqual(text(await job.finish()), built)
      await first.close()

      // The next sync finds the thread started and ready.
      const listener = new Listener()
      const threads = pool.lease(listener)
      assert.deepEqual(
        threads.map((t) => t.ready),
        [true],
      )
      await pool.release()
      const second = new CopyChunkBuilder({ pool, minRecords: 0 })
      const warm = second.begin(start, 10)
      assert.equal(warm.inline, false)
      warm.add(records(10))
      assert.deepEqual(text(await warm.finish()), built)
      await second.close()
      await here.close()
    } finally {
      await pool.close()
    }
  })

  test('a thread still building when its sync lets go is ended and replaced', async () => {
    const pool = new ChunkBuildThreads({ count: 1, idleMs: 60_000 })
    try {
      const listener = new Listener()
      const [thread] = listener.watch(pool.lease(listener))
      await listener.allReady()
      thread!.post({ start })
      thread!.post({ records: records(5) })
      await pool.release([thread!])
      assert.equal(thread!.ended, true)

      const next = new Listener()
      const [fresh] = next.watch(pool.lease(next))
      assert.notEqual(fresh, thread)
      await next.allReady()
      fresh!.post({ start })
      fresh!.post({ records: records(5) })
      fresh!.post({ finish: true })
      while (next.replies.length === 0) await sleep(10)
      assert.ok('chunk' in next.replies[0]!)
      await pool.release()
      assert.equal(fresh!.ended, false)
    } finally {
      await pool.close()
    }
  })

  test('idle threads end after idleMs; a closed pool has none to lend', async () => {
    const pool = new ChunkBuildThreads({ count: 2, idleMs: 30 })
    const listener = new Listener()
    const threads = listener.watch(pool.lease(listener))
    assert.equal(threads.length, 2)
    // Another sync's lease finds none: it builds in its own thread.
    assert.deepEqual(pool.lease(new Listener()), [])
    await listener.allReady()
    await pool.release()
    await sleep(150)
    assert.ok(threads.every((t) => t.ended))
    // Ended while no sync listened: nobody is told.
    assert.deepEqual(listener.goneThreads, [])

    const again = new Listener()
    const fresh = again.watch(pool.lease(again))
    assert.ok(fresh.every((t) => !threads.includes(t)))
    await pool.close()
    // A sync that holds threads when the pool closes hears they are gone (its chunks are built again).
    assert.equal(again.goneThreads.length, 2)
    assert.deepEqual(pool.lease(new Listener()), [])
    const builder = new CopyChunkBuilder({ pool, minRecords: 0 })
    assert.equal(builder.begin(start, 10).inline, true)
    await builder.close()
  })
})
