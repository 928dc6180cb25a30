/**
 * Public API overhead: requests per second and latency of Switchyard's `GET /api/` (token lookup,
 * rate limit, version negotiation, envelope) and `GET /api/sources` (a page of 20 sources), against
 * a bare Fastify server answering the same JSON, measured in the same run with the same load loop.
 *
 *   npm run bench:api [-- --seconds 5 --concurrency 16]
 */
import { parseArgs } from 'node:util'
import Fastify from 'fastify'
import { Agent, request } from 'node:http'
import { loadConfig } from '../src/config/index.ts'
import { createLogger, startSwitchyard } from '../src/server/index.ts'
import { tempDir } from '../test/support/services.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string' }, concurrency: { type: 'string' } } })
const SECONDS = Number(values.seconds ?? 5)
const CONCURRENCY = Number(values.concurrency ?? 16)

interface Result {
  name: string
  rps: number
  p50: number
  p99: number
  errors: number
}

function get(url: string, headers: Record<string, string>, agent: Agent): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

async function load(name: string, url: string, headers: Record<string, string>): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY })
  const latencies: number[] = []
  let errors = 0
  const run = async (until: number, record: boolean) => {
    while (performance.now() < until) {
      const started = performance.now()
      if ((await get(url, headers, agent)) !== 200) errors++
      if (record) latencies.push(performance.now() - started)
    }
  }
  const warmUntil = performance.now() + 1000
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(warmUntil, false)))
  const started = performance.now()
  const until = started + SECONDS * 1000
  await Promise.all(Array.from({ length: CONCURRENCY }, () => run(until, true)))
  const elapsed = (performance.now() - started) / 1000
  agent.destroy()
  latencies.sort((a, b) => a - b)
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!
  return { name, rps: latencies.length / elapsed, p50: pct(0.5), p99: pct(0.99), errors }
}

async function main() {
  const dataDir = tempDir()
  const config = loadConfig({
    env: {
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_INGEST_PORT: '0',
      SWITCHYARD_CONTROL_PORT: '0',
      SWITCHYARD_API_RATE_LIMIT: '100000000',
    },
  })
  const switchyard = await startSwitchyard(config, createLogger('warn'))
  const token = switchyard.bootstrap.ownerTokenSecret!
  const auth = { authorization: `Bearer ${token}` }
  const api = `${switchyard.controlUrl}/api`
  for (let i = 0; i < 20; i++) {
    await fetch(`${api}/sources`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: `bench-${i}`, enabled: true, metadataId: 'IqDTy1TpoU' }),
    })
  }
  const workspaceBody = await (await fetch(`${api}/`, { headers: auth })).json()
  const sourcesBody = await (await fetch(`${api}/sources?pagination[count]=20`, { headers: auth })).json()

  const bare = Fastify()
  bare.get('/workspace', async () => workspaceBody)
  bare.get('/sources', async () => sourcesBody)
  await bare.listen({ host: '127.0.0.1', port: 0 })
  const bareUrl = `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`

  const results = [
    await load('bare Fastify, same workspace JSON', `${bareUrl}/workspace`, {}),
    await load('Switchyard GET /api/', `${api}/`, auth),
    await load('bare Fastify, same 20-source page', `${bareUrl}/sources`, {}),
    await load('Switchyard GET /api/sources (20)', `${api}/sources?pagination[count]=20`, auth),
  ]
  await bare.close()
  await switchyard.stop()

  console.log(
    `\n${SECONDS}s per case, ${CONCURRENCY} concurrent keep-alive clients, loader in the same process\n`,
  )
  console.log(
    'case'.padEnd(38),
    'req/s'.padStart(9),
    'p50 ms'.padStart(8),
    'p99 ms'.padStart(8),
    'errors'.padStart(7),
  )
  for (const r of results) {
    console.log(
      r.name.padEnd(38),
      r.rps.toFixed(0).padStart(9),
      r.p50.toFixed(2).padStart(8),
      r.p99.toFixed(2).padStart(8),
      String(r.errors).padStart(7),
    )
  }
  const ratio = (a: Result, b: Result) => (a.rps / b.rps).toFixed(2)
  console.log(`\nGET /api/ throughput vs baseline:        ${ratio(results[1]!, results[0]!)}×`)
  console.log(`GET /api/sources throughput vs baseline: ${ratio(results[3]!, results[2]!)}×`)
}

await main()
