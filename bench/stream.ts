/**
 * Event stream append throughput on the embedded SQLite adapter: single-record appends from 1 and
 * N concurrent callers and batches of 100, with `synchronous=NORMAL` and `FULL`. The baseline is
 * one transaction per append (group commit off: `maxRecords: 1`) in the same run.
 *
 *   npx tsx bench/stream.ts [--seconds 2] [--concurrency 64] [--window 0]
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { openStream, type StreamDurability } from '../src/stream/index.ts'

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, concurrency: { type: 'string' }, window: { type: 'string' } },
})
const SECONDS = Number(values.seconds ?? 2)
const CONCURRENCY = Number(values.concurrency ?? 64)
const WINDOW_MS = Number(values.window ?? 0)
const VALUE = JSON.stringify({ type: 'track', event: 'Order Completed', properties: { total: 42 } }).padEnd(
  800,
)

interface Scenario {
  readonly name: string
  readonly callers: number
  readonly batch: number
  readonly groupCommit: boolean
}

interface Result {
  readonly appendsPerSecond: number
  readonly recordsPerSecond: number
  readonly recordsPerTransaction: number
  readonly p99Ms: number
  /** Longest event-loop stall: roughly the longest write transaction. */
  readonly loopMaxMs: number
}

async function run(durability: StreamDurability, scenario: Scenario): Promise<Result> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'))
  const stream = await openStream({
    kind: 'sqlite',
    dataDir,
    durability,
    groupCommit: scenario.groupCommit ? { windowMs: WINDOW_MS } : { maxRecords: 1 },
    retention: { intervalMs: 0 },
  })
  let appends = 0
  const latencies: number[] = []
  const caller = async (until: number) => {
    while (performance.now() < until) {
      const records = Array.from({ length: scenario.batch }, () => ({
        key: 'src',
        value: VALUE,
        dedupeId: randomUUID(),
      }))
      const started = performance.now()
      await stream.append('ingest', records, { dedupeScope: 'src' })
      latencies.push(performance.now() - started)
      appends += 1
    }
  }
  await Promise.all(Array.from({ length: scenario.callers }, () => caller(performance.now() + 300)))
  appends = 0
  latencies.length = 0
  const before = (await stream.stats()).transactions
  const loop = monitorEventLoopDelay({ resolution: 1 })
  loop.enable()
  const started = performance.now()
  await Promise.all(Array.from({ length: scenario.callers }, () => caller(started + SECONDS * 1000)))
  const elapsed = (performance.now() - started) / 1000
  loop.disable()
  const transactions = (await stream.stats()).transactions - before
  await stream.close()
  rmSync(dataDir, { recursive: true, force: true })
  latencies.sort((a, b) => a - b)
  return {
    appendsPerSecond: appends / elapsed,
    recordsPerSecond: (appends * scenario.batch) / elapsed,
    recordsPerTransaction: (appends * scenario.batch) / Math.max(1, transactions),
    p99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
    loopMaxMs: loop.max / 1e6,
  }
}

const scenarios: Scenario[] = [
  { name: 'baseline: 1 record/append, 1 tx/append', callers: CONCURRENCY, batch: 1, groupCommit: false },
  { name: '1 record/append, 1 caller', callers: 1, batch: 1, groupCommit: true },
  { name: `1 record/append, ${CONCURRENCY} callers`, callers: CONCURRENCY, batch: 1, groupCommit: true },
  { name: `100 records/append, ${CONCURRENCY} callers`, callers: CONCURRENCY, batch: 100, groupCommit: true },
]

console.log(`stream append, ${SECONDS} s per row, ${VALUE.length}-byte values, window ${WINDOW_MS} ms`)
const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(9)
for (const durability of ['normal', 'full'] as const) {
  let baseline = 0
  console.log(`\nsynchronous=${durability.toUpperCase()}`)
  console.log(`${'scenario'.padEnd(44)} appends/s records/s  rec/tx  p99 ms  loop max ms  vs baseline`)
  for (const scenario of scenarios) {
    const result = await run(durability, scenario)
    if (!scenario.groupCommit) baseline = result.recordsPerSecond
    console.log(
      `${scenario.name.padEnd(44)}${fmt(result.appendsPerSecond)} ${fmt(result.recordsPerSecond)} ` +
        `${result.recordsPerTransaction.toFixed(1).padStart(7)} ${result.p99Ms.toFixed(1).padStart(7)} ` +
        `${result.loopMaxMs.toFixed(1).padStart(12)}  ` +
        `${(result.recordsPerSecond / baseline).toFixed(1)}x`,
    )
  }
}
