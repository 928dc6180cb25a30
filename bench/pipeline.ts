/**
 * The pipeline end to end: Tracking API → stream → process stage → destination queue → Webhook →
 * a local sink (its own process). Two figures:
 *
 * - latency at a fixed rate: from the 200 at ingest to the sink receiving the message, p50/p95/p99,
 *   sending `--rate` events/s in batches of `--batch` for `--seconds` (goal: p95 < 300 ms at 5,000/s);
 * - delivery throughput: `--events` messages already in the stream are delivered by a fresh worker,
 *   against a baseline of the same sink fed directly by this process with the same concurrency.
 *
 *   npx tsx bench/pipeline.ts [--rate 5000 --batch 50 --seconds 10 --events 20000]
 *     [--webhook-batch 100] [--lineage on|off] [--profile <dir>]
 *
 * `--events 0` skips the throughput figure; `--help` lists the options.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { Agent } from 'node:http'
import { loadavg } from 'node:os'
import { parseArgs } from 'node:util'
import { post } from './post.ts'
import { startProcess, type RunningProcess } from '../test/support/process.ts'
import { tempDir } from '../test/support/services.ts'

const { values } = parseArgs({
  options: {
    rate: { type: 'string' },
    batch: { type: 'string' },
    seconds: { type: 'string' },
    events: { type: 'string' },
    profile: { type: 'string' },
    'webhook-batch': { type: 'string' },
    lineage: { type: 'string' },
    help: { type: 'boolean' },
  },
})
if (values.help) {
  console.log(`Usage: npm run bench:pipeline -- [options]
  --rate N           events/s offered in the latency run (default 5000)
  --batch N          events per Tracking API batch (default 50)
  --seconds N        length of the latency run (default 10)
  --webhook-batch N  messages per Webhook request (default 1, Segment's classic Webhook)
  --lineage on|off   record per-message lineage (default on, as Switchyard's default)
  --events N         queued events for the delivery throughput figure (default 20000; 0 skips it)
  --profile DIR      write CPU profiles (--cpu-prof) of the Switchyard processes to DIR`)
  process.exit(0)
}
if (values.lineage !== undefined && values.lineage !== 'on' && values.lineage !== 'off')
  throw new Error('--lineage takes on or off')
const LINEAGE = values.lineage !== 'off'
const RATE = Number(values.rate ?? 5000)
const BATCH = Number(values.batch ?? 50)
const SECONDS = Number(values.seconds ?? 10)
const EVENTS = Number(values.events ?? 20000)
/** Messages per Webhook request: 1 is Segment's classic Webhook; more turns on the destination's batching. */
const WEBHOOK_BATCH = Number(values['webhook-batch'] ?? 1)
/** The delivery worker's concurrency (its default), used for the baseline too. */
const CONCURRENCY = 8
const now = () => performance.timeOrigin + performance.now()
const agent = new Agent({ keepAlive: true, maxSockets: 64 })

async function startSink(): Promise<{
  url: string
  child: ChildProcess
  report(): Promise<Map<string, number>>
}> {
  const child = fork(new URL('./sink-server.ts', import.meta.url).pathname, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  })
  const url = await new Promise<string>((resolve) =>
    child.stdout!.once('data', (d) => resolve(String(d).trim())),
  )
  return {
    url,
    child,
    report: () =>
      new Promise((resolve) => {
        child.once('message', (entries) => resolve(new Map(entries as [string, number][])))
        child.send('report')
      }),
  }
}

const event = (messageId: string, i: number) => ({
  type: 'track',
  event: 'Order Completed',
  userId: `user-${i % 1000}`,
  messageId,
  properties: { orderId: `o-${i}`, total: 99.5, currency: 'EUR' },
})

async function startSwitchyard(dataDir: string, roles: string, profile = false): Promise<RunningProcess> {
  return startProcess(
    {
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_LOG_LEVEL: 'warn',
      SWITCHYARD_ROLES: roles,
      ...(!LINEAGE && { SWITCHYARD_LINEAGE_RETENTION_DAYS: '0' }),
    },
    20_000,
    profile && values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : [],
  )
}

async function setUp(sy: RunningProcess, sinkUrl: string): Promise<Record<string, string>> {
  const api = async (path: string, body: unknown) => {
    const r = await fetch(`${sy.controlUrl}/api${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sy.printedToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${await r.text()}`)
    return (await r.json()) as { data: Record<string, Record<string, unknown>> }
  }
  const source = (await api('/sources', { slug: 'bench', enabled: true, metadataId: 'iUM16Md8P2' })).data
    .source!
  await api('/destinations', {
    sourceId: source.id,
    metadataId: '54521fdc25e721e32a72ef04',
    name: 'sink',
    enabled: true,
    settings: {
      hooks: [{ hook: `${sinkUrl}/hook` }],
      ...(WEBHOOK_BATCH > 1 && { enableBatching: true, batchSize: WEBHOOK_BATCH }),
    },
  })
  const writeKey = (source.writeKeys as string[])[0]!
  return {
    authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
    'content-type': 'text/plain',
  }
}

/** CPU time (user + system) a process used so far, in seconds; NaN where /proc is missing. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return NaN
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!

async function latencyAtRate(
  ingestUrl: string,
  headers: Record<string, string>,
  sink: Awaited<ReturnType<typeof startSink>>,
) {
  const acked = new Map<string, number>()
  let errors = 0
  let counter = 0
  const sends: Promise<void>[] = []
  const interval = (BATCH / RATE) * 1000
  const started = now()
  for (let tick = 0; now() - started < SECONDS * 1000; tick++) {
    const due = started + tick * interval
    if (due > now()) await new Promise((r) => setTimeout(r, due - now()))
    const ids = Array.from({ length: BATCH }, () => randomUUID())
    const body = JSON.stringify({ batch: ids.map((id) => event(id, counter++)) })
    sends.push(
      post(`${ingestUrl}/v1/batch`, body, headers, agent).then(
        (status) => {
          const at = now()
          if (status === 200) for (const id of ids) acked.set(id, at)
          else errors++
        },
        () => void errors++,
      ),
    )
  }
  await Promise.all(sends)
  const sentSeconds = (now() - started) / 1000
  const received = new Map<string, number>()
  const deadline = now() + 60_000
  while (received.size < acked.size && now() < deadline) {
    for (const [id, at] of await sink.report()) received.set(id, at)
    await new Promise((r) => setTimeout(r, 200))
  }
  const latencies = [...acked]
    .map(([id, at]) => Math.max(0, (received.get(id) ?? Infinity) - at))
    .sort((a, b) => a - b)
  const delivered = latencies.filter(Number.isFinite).length
  return {
    offered: counter / sentSeconds,
    acked: acked.size,
    delivered,
    errors,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
  }
}

async function deliveryThroughput(
  dataDir: string,
  sinkUrl: string,
  sink: Awaited<ReturnType<typeof startSink>>,
) {
  // The messages go into the stream while no worker runs; then a worker starts and delivers them.
  const collector = await startSwitchyard(dataDir, 'ingest,control')
  const headers = await setUp(collector, sinkUrl)
  const ids: string[] = []
  for (let i = 0; i < EVENTS; i += 100) {
    const batch = Array.from({ length: Math.min(100, EVENTS - i) }, (_, j) => {
      const id = randomUUID()
      ids.push(id)
      return event(id, i + j)
    })
    const status = await post(`${collector.ingestUrl}/v1/batch`, JSON.stringify({ batch }), headers, agent)
    if (status !== 200) throw new Error(`ingest answered ${status}`)
  }
  collector.child.kill('SIGTERM')
  await collector.waitForExit()
  const worker = await startSwitchyard(dataDir, 'worker', true)
  const received = new Map<string, number>()
  const deadline = now() + 300_000
  while (received.size < EVENTS && now() < deadline) {
    await new Promise((r) => setTimeout(r, 250))
    for (const [id, at] of await sink.report()) received.set(id, at)
  }
  worker.child.kill('SIGTERM')
  await worker.waitForExit()
  const times = [...received.values()].sort((a, b) => a - b)
  const switchyard = received.size / ((times.at(-1)! - times[0]!) / 1000)

  // Baseline: the same messages straight to the sink, in the same requests, with the worker's concurrency.
  const bodies: string[] = []
  for (let i = 0; i < ids.length; i += WEBHOOK_BATCH) {
    const group = ids.slice(i, i + WEBHOOK_BATCH).map((id, j) => event(id, i + j))
    bodies.push(JSON.stringify(WEBHOOK_BATCH > 1 ? group : group[0]))
  }
  let next = 0
  const started = now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length)
        await post(`${sinkUrl}/hook`, bodies[next++]!, { 'content-type': 'application/json' }, agent)
    }),
  )
  const baseline = ids.length / ((now() - started) / 1000)
  await sink.report()
  return { delivered: received.size, switchyard, baseline }
}

async function main() {
  const sink = await startSink()
  const dataDir = tempDir()
  const sy = await startSwitchyard(dataDir, 'ingest,worker,control', true)
  const headers = await setUp(sy, sink.url)
  await new Promise((r) => setTimeout(r, 2500)) // the delivery runtime picks up the new destination
  const cpuBefore = cpuSeconds(sy.child.pid)
  const latency = await latencyAtRate(sy.ingestUrl, headers, sink)
  const cpu = cpuSeconds(sy.child.pid) - cpuBefore
  sy.child.kill('SIGTERM')
  await sy.waitForExit()
  rmSync(dataDir, { recursive: true, force: true })

  let throughput: Awaited<ReturnType<typeof deliveryThroughput>> | undefined
  if (EVENTS > 0) {
    const throughputDir = tempDir()
    throughput = await deliveryThroughput(throughputDir, sink.url, sink)
    rmSync(throughputDir, { recursive: true, force: true })
  }
  sink.child.kill()
  agent.destroy()

  console.log(
    `\nLatency from the 200 at ingest to the sink, ${SECONDS}s at ${RATE} events/s in batches of ${BATCH}, ${WEBHOOK_BATCH} per Webhook request, lineage ${LINEAGE ? 'on' : 'off'}:`,
  )
  console.log(
    `  offered ${latency.offered.toFixed(0)} events/s, acknowledged ${latency.acked}, delivered ${latency.delivered}, errors ${latency.errors}`,
  )
  console.log(
    `  p50 ${latency.p50.toFixed(1)} ms, p95 ${latency.p95.toFixed(1)} ms, p99 ${latency.p99.toFixed(1)} ms (goal: p95 < 300 ms)`,
  )
  console.log(
    `  Switchyard used ${cpu.toFixed(1)} s of CPU, ${((cpu / latency.acked) * 1e6).toFixed(0)} µs per event (load average ${loadavg()[0]!.toFixed(1)})`,
  )
  if (!throughput) return
  console.log(
    `\nDelivery throughput, ${EVENTS} queued events, ${WEBHOOK_BATCH} per Webhook request, concurrency ${CONCURRENCY}:`,
  )
  console.log(
    `  Switchyard ${throughput.switchyard.toFixed(0)} events/s vs the sink fed directly ${throughput.baseline.toFixed(0)} events/s: ${(throughput.switchyard / throughput.baseline).toFixed(2)}×`,
  )
}

await main()
