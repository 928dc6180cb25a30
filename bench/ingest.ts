/**
 * Tracking API throughput: Switchyard's ingest (durable append with fsync per group commit, the
 * default) against a bare Fastify server that parses the same payloads and answers 200, measured
 * in the same run with the same load loop. Each server runs in its own process; the load loop
 * runs here.
 *
 *   npm run bench:ingest [-- --seconds 5 --rounds 3 --concurrency 32 --durability full|normal --roles ingest,control
 *     --sizes 100,1 --profile <dir for a CPU profile of Switchyard>]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { parseArgs } from 'node:util'
import { post } from './post.ts'
import { startProcess } from '../test/support/process.ts'
import { tempDir } from '../test/support/services.ts'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    concurrency: { type: 'string' },
    durability: { type: 'string' },
    roles: { type: 'string' },
    profile: { type: 'string' },
    sizes: { type: 'string' },
    rounds: { type: 'string' },
  },
})
const SECONDS = Number(values.seconds ?? 5)
/** Bare and Switchyard alternate this many times per case; the median of the rounds' ratios is reported. */
const ROUNDS = Number(values.rounds ?? 3)
const CONCURRENCY = Number(values.concurrency ?? 32)
const DURABILITY = values.durability ?? 'full'
/** `ingest,control` measures the collector alone, as it runs scaled out; add `worker` for all in one process. */
const ROLES = values.roles ?? 'ingest,worker,control'

interface Result {
  name: string
  eventsPerSecond: number
  requestsPerSecond: number
  p50: number
  p99: number
  errors: number
  /** CPU time (user + system) the server process used per event while measured, in µs. */
  cpuPerEvent: number
}

/** Random UUID message ids, as Segment's libraries send: dedupe must not depend on ids arriving in order. */
const event = (i: number) => ({
  type: 'track',
  userId: `user-${i % 1000}`,
  event: 'Order Completed',
  properties: { orderId: `o-${i}`, total: 99.5, currency: 'EUR', products: [{ sku: 'A1', qty: 2 }] },
  context: { library: { name: 'bench', version: '1' }, locale: 'en-US' },
  timestamp: new Date().toISOString(),
})

/** CPU time (user + system) a process used so far, in seconds; NaN where /proc is missing. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

async function load(
  name: string,
  url: string,
  headers: Record<string, string>,
  batchSize: number,
  serverPid: number | undefined,
): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const latencies: number[] = []
  let errors = 0
  let counter = 0
  const body = () => {
    if (batchSize === 1) return JSON.stringify({ ...event(counter++), messageId: randomUUID() })
    const batch = Array.from({ length: batchSize }, () => ({
      ...event(counter++),
      messageId: randomUUID(),
    }))
    return JSON.stringify({ batch, sentAt: new Date().toISOString() })
  }
  const path = batchSize === 1 ? '/v1/track' : '/v1/batch'
  const run = async (until: number, record: boolean) => {
    while (performance.now() < until) {
      const started = performance.now()
      const status = await post(`${url}${path}`, body(), headers, agent)
      if (status !== 200) errors++
      if (record) latencies.push(performance.now() - started)
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(performance.now() + 1000, false)))
  const started = performance.now()
  const cpuBefore = cpuSeconds(serverPid)
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(started + SECONDS * 1000, true)))
  const elapsed = (performance.now() - started) / 1000
  const cpu = cpuSeconds(serverPid) - cpuBefore
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!
  const requestsPerSecond = latencies.length / elapsed
  return {
    name,
    eventsPerSecond: requestsPerSecond * batchSize,
    requestsPerSecond,
    p50: pct(0.5),
    p99: pct(0.99),
    errors,
    cpuPerEvent: (cpu / (latencies.length * batchSize)) * 1e6,
  }
}

async function startBare(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./bare-server.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const url = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d) => resolve(String(d).trim())),
  )
  return { url, child }
}

async function main() {
  const dataDir = tempDir()
  const switchyard = await startProcess(
    {
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_LOG_LEVEL: 'warn',
      SWITCHYARD_STREAM_DURABILITY: DURABILITY,
      SWITCHYARD_ROLES: ROLES,
    },
    20_000,
    values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
  )
  const created = await fetch(`${switchyard.controlUrl}/api/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${switchyard.printedToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ slug: 'bench', enabled: true, metadataId: 'iUM16Md8P2' }),
  })
  const writeKey = ((await created.json()) as { data: { source: { writeKeys: string[] } } }).data.source
    .writeKeys[0]!
  const headers = {
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    'content-type': 'text/plain',
  }
  const bare = await startBare()

  const results: Result[] = []
  const sizes = (values.sizes ?? '100,1').split(',').map(Number)
  for (let round = 1; round <= ROUNDS; round++) {
    for (const batchSize of sizes) {
      results.push(await load(`bare-${batchSize}#${round}`, bare.url, headers, batchSize, bare.child.pid))
      results.push(
        await load(
          `switchyard-${batchSize}#${round}`,
          switchyard.ingestUrl,
          headers,
          batchSize,
          switchyard.child.pid,
        ),
      )
    }
  }
  bare.child.kill()
  switchyard.child.kill('SIGTERM')
  await switchyard.waitForExit()
  rmSync(dataDir, { recursive: true, force: true })

  console.log(
    `\n${SECONDS}s per case and round, ${CONCURRENCY} concurrent keep-alive clients, durability ${DURABILITY}, roles ${ROLES}, servers in their own processes\n`,
  )
  console.log(
    'case'.padEnd(22),
    'events/s'.padStart(10),
    'req/s'.padStart(8),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'errors'.padStart(7),
    'CPU µs/event'.padStart(13),
  )
  for (const r of results) {
    console.log(
      r.name.padEnd(22),
      r.eventsPerSecond.toFixed(0).padStart(10),
      r.requestsPerSecond.toFixed(0).padStart(8),
      r.p50.toFixed(2).padStart(8),
      r.p99.toFixed(2).padStart(8),
      String(r.errors).padStart(7),
      r.cpuPerEvent.toFixed(1).padStart(13),
    )
  }
  for (const size of sizes) {
    const ratios = results
      .filter((r) => r.name.startsWith(`bare-${size}#`))
      .map((bare) => {
        const ours = results[results.indexOf(bare) + 1]!
        return ours.eventsPerSecond / bare.eventsPerSecond
      })
      .sort((a, b) => a - b)
    const median = ratios[Math.floor(ratios.length / 2)]!
    const goal = size === 1 ? 0.6 : 0.35
    const cpu = (prefix: string) => {
      const perEvent = results
        .filter((r) => r.name.startsWith(`${prefix}-${size}#`))
        .map((r) => r.cpuPerEvent)
        .sort((a, b) => a - b)
      return perEvent[Math.floor(perEvent.length / 2)]!.toFixed(1)
    }
    console.log(
      `${size === 1 ? 'single events' : `batches of ${size}`}: Switchyard / bare = ${median.toFixed(2)}× median of ${ratios.map((r) => r.toFixed(2)).join(', ')} (goal ≥ ${goal}); CPU per event (median) Switchyard ${cpu('switchyard')} µs, bare ${cpu('bare')} µs`,
    )
  }
}

await main()
