import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { copyRowsAsText } from '../loaders/postgres/postgres-copy-binary.ts'
import { ChunkBuildThreads } from './build-threads.ts'
import { ChunkThreadGone, CopyChunkBuilder } from './copy-chunk-builder.ts'
import type { CopyChunk, CopyRecords } from './copy-chunk.ts'

const rules = { sourceEnabled: true, disabledTables: new Set<string>(), disabledColumns: new Map() }
const at = '2026-11-20T10:00:00.000Z'

function records(from: number, to: number, first: boolean): CopyRecords {
  const keys: string[] = []
  const values: string[] = []
  for (let i = from; i < to; i++) {
    const message =
      i % 4 === 0
        ? { type: 'identify', userId: `u${i % 7}`, traits: { plan: i % 2 ? 'pro' : 3 } }
        : { type: 'track', event: `E${i % 3}`, properties: { n: i, s: `x\t${i}`, a: [i] } }
    keys.push(i % 5 === 0 ? 'gone' : 'src')
    values.push(
      i === 7
        ? 'not json'
        : JSON.stringify({ message: { ...message, messageId: `m${i}`, receivedAt: at, timestamp: at } }),
    )
  }
  return {
    keys,
    values,
    sources: first ? { src: { rules, schema: { tracks: { id: 'varchar', n: 'bigint' } } }, gone: null } : {},
  }
}

const comparable = (chunk: CopyChunk) =>
  chunk.sources.map((s) => ({
    ...s,
    batches: s.batches?.map((b) => ({ ...b, data: copyRowsAsText(b.data, b.columns) })),
  }))

async function build(builder: CopyChunkBuilder, expected: number): Promise<CopyChunk> {
  const job = builder.begin({ uuidTs: Date.parse(at), maxColumnsPerTable: 1600 }, expected)
  job.add(records(0, 300, true))
  job.add(records(300, 600, false))
  return job.finish()
}

describe('CopyChunkBuilder', () => {
  test('a chunk built in a thread is the chunk built here', async () => {
    const inline = new CopyChunkBuilder({ threads: 0 })
    const threaded = new CopyChunkBuilder({ threads: 1, minRecords: 0 })
    try {
      const here = await build(inline, 600)
      const there = await build(threaded, 600)
      assert.deepEqual(comparable(there), comparable(here))
      assert.deepEqual(
        here.sources.map((s) => [s.sourceId, s.messages, s.unreadable]),
        [
          ['src', 479, 1],
          ['gone', 120, 0],
        ],
      )
      // Small chunks stay here unless told otherwise.
      assert.equal(
        new CopyChunkBuilder({ threads: 1 }).begin({ uuidTs: 0, maxColumnsPerTable: 1 }, 10).inline,
        true,
      )
    } finally {
      await inline.close()
      await threaded.close()
    }
  })

  test('chunks begun before the last one finished are built whole, one after the other', async () => {
    const inline = new CopyChunkBuilder({ threads: 0 })
    // Two threads, cold (four chunks begun before either is ready), then one warm thread.
    for (const [threads, warm] of [
      [2, false],
      [1, true],
    ] as const) {
      const threaded = new CopyChunkBuilder({ threads, minRecords: 0 })
      try {
        if (warm) await build(threaded, 600)
        const start = { uuidTs: Date.parse(at), maxColumnsPerTable: 1600 }
        const jobs = [0, 1, 2, 3].map(() => threaded.begin(start, 600))
        // Each chunk's records, interleaved with the others', and the chunks finished out of order.
        for (const [i, job] of jobs.entries()) job.add(records(i * 100, i * 100 + 50, true))
        for (const [i, job] of jobs.entries()) job.add(records(i * 100 + 50, i * 100 + 100, false))
        const there = await Promise.all([3, 1, 0, 2].map((i) => jobs[i]!.finish()))
        for (const [n, i] of [3, 1, 0, 2].entries()) {
          const job = inline.begin(start, 600)
          job.add(records(i * 100, i * 100 + 50, true))
          job.add(records(i * 100 + 50, i * 100 + 100, false))
          assert.deepEqual(comparable(there[n]!), comparable(await job.finish()), `chunk ${i}`)
        }
      } finally {
        await threaded.close()
      }
    }
    await inline.close()
  })

  test('every chunk of a thread that ends fails with ChunkThreadGone; later chunks are built here', async () => {
    const pool = new ChunkBuildThreads({ count: 1 })
    const builder = new CopyChunkBuilder({ pool, minRecords: 0 })
    try {
      // The thread is ready: the first chunk's records go to it, the second's wait for its finish.
      await build(builder, 600)
      const start = { uuidTs: Date.parse(at), maxColumnsPerTable: 1600 }
      const jobs = [0, 1].map(() => builder.begin(start, 600))
      for (const job of jobs) job.add(records(0, 100, true))
      await pool.close()
      for (const job of jobs) await assert.rejects(job.finish(), ChunkThreadGone)
      assert.equal(builder.begin(start, 600).inline, true)
    } finally {
      await builder.close()
    }
  })

  test('a chunk whose thread ends fails with ChunkThreadGone; later chunks are built here', async () => {
    const builder = new CopyChunkBuilder({ threads: 1, minRecords: 0 })
    const job = builder.begin({ uuidTs: Date.parse(at), maxColumnsPerTable: 1600 }, 600)
    job.add(records(0, 300, true))
    await builder.close()
    await assert.rejects(job.finish(), ChunkThreadGone)
    assert.equal(builder.begin({ uuidTs: 0, maxColumnsPerTable: 1600 }, 600).inline, true)
  })
})
