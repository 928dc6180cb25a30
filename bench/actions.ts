/**
 * The cost of one event through the Actions runtime (actions-core: trigger, mapping kit, payload
 * validation, `perform`, Switchyard's sender), against the classic Webhook driver measured in the same
 * run, both sending to the same local sink (its own process) with the delivery worker's concurrency:
 *
 * - events/s for Webhook (Actions) `send` and Amplitude `logEventV2` (its "Track Calls" preset), one
 *   event per request, and Webhook (Actions) with batching (100 per request) against the classic
 *   Webhook batching 100;
 * - memory: a process that has imported 10 definitions, and one that imported the whole catalog.
 *
 *   npx tsx bench/actions.ts [--events 5000]
 */
import { execFileSync, fork } from 'node:child_process'
import { parseArgs } from 'node:util'
import {
  actionsDriver,
  findDestinationEntryBySlug,
  loadDestinationCatalog,
  webhookDriver,
  type DestinationDriver,
} from '../src/destinations/index.ts'
import type { StoredMessage } from '../src/spec/index.ts'

const { values } = parseArgs({ options: { events: { type: 'string' }, help: { type: 'boolean' } } })
if (values.help) {
  console.log('Usage: npm run bench:actions -- [--events N (default 5000)]')
  process.exit(0)
}
const EVENTS = Number(values.events ?? 5000)
const CONCURRENCY = 8

const sink = fork(new URL('./sink-server.ts', import.meta.url).pathname, [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
})
const sinkUrl = await new Promise<string>((resolve) =>
  sink.stdout!.once('data', (d) => resolve(String(d).trim())),
)

const message = (i: number): StoredMessage =>
  ({
    type: 'track',
    event: 'Product Viewed',
    userId: `user-${i % 1000}`,
    anonymousId: `anon-${i % 1000}`,
    messageId: `m-${i}`,
    receivedAt: '2026-01-01T00:00:01.000Z',
    timestamp: '2026-01-01T00:00:00.000Z',
    context: { ip: '10.0.0.1', library: { name: 'analytics-node', version: '3.1.0' } },
    properties: { orderId: `o-${i}`, total: 99.5, currency: 'EUR' },
  }) as StoredMessage

/** Delivers `EVENTS` messages through `driver`, `CONCURRENCY` deliveries at a time; events/s. */
async function throughput(driver: DestinationDriver): Promise<number> {
  const context = { now: Date.now, egressUrl: sinkUrl }
  const messages = Array.from({ length: EVENTS }, (_, i) => message(i))
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const start = next
        if (start >= messages.length) return
        next += driver.batchSize
        const { outcome } = await driver.deliver(messages.slice(start, start + driver.batchSize), context)
        if (outcome.kind !== 'delivered') throw new Error(`not delivered: ${JSON.stringify(outcome)}`)
      }
    }),
  )
  return EVENTS / ((performance.now() - started) / 1000)
}

await loadDestinationCatalog()
const webhookActions = findDestinationEntryBySlug('actions-webhook')!.definition!
const amplitude = findDestinationEntryBySlug('actions-amplitude')!.definition!
const trackCalls = amplitude.presets.find((p) => p.name === 'Track Calls')!
const sendMapping = { url: `${sinkUrl}/hook`, method: 'POST', data: { '@path': '$.' } }
const mapping = (actionSlug: string, fields: Record<string, unknown>, trigger = 'type = "track"') => ({
  id: actionSlug,
  name: actionSlug,
  actionSlug,
  trigger,
  mapping: fields,
  enabled: true,
})

const drivers: [string, DestinationDriver][] = [
  ['classic Webhook', webhookDriver({ hooks: [{ hook: `${sinkUrl}/hook` }] })],
  [
    'Webhook (Actions) send',
    actionsDriver({ record: webhookActions, settings: {}, mappings: [mapping('send', sendMapping)] }),
  ],
  [
    'Amplitude logEventV2',
    actionsDriver({
      record: amplitude,
      settings: { apiKey: 'k', secretKey: 's', endpoint: 'north_america' },
      mappings: [mapping(trackCalls.partnerAction, trackCalls.mapping, trackCalls.subscribe)],
    }),
  ],
  [
    'classic Webhook, batches of 100',
    webhookDriver({ hooks: [{ hook: `${sinkUrl}/hook` }], enableBatching: true, batchSize: 100 }),
  ],
  [
    'Webhook (Actions), batches of 100',
    actionsDriver({
      record: webhookActions,
      settings: {},
      mappings: [mapping('send', { ...sendMapping, enable_batching: true, batch_size: 100 })],
    }),
  ],
]

// Warm-up (definitions' schemas compile on first use), then two alternating rounds, best of each.
for (const [, driver] of drivers) await throughput(driver)
const best = new Map<string, number>()
for (let round = 0; round < 2; round++) {
  for (const [name, driver] of drivers)
    best.set(name, Math.max(best.get(name) ?? 0, await throughput(driver)))
}
sink.kill()

const classic = best.get('classic Webhook')!
const classicBatch = best.get('classic Webhook, batches of 100')!
console.log(`\n${EVENTS} events per run, ${CONCURRENCY} deliveries in flight, sink in its own process\n`)
console.log('driver'.padEnd(36), 'events/s'.padStart(10), '  ratio to the classic Webhook')
for (const [name] of drivers) {
  const value = best.get(name)!
  const base = name.includes('batches') ? classicBatch : classic
  console.log(name.padEnd(36), value.toFixed(0).padStart(10), `  ${(value / base).toFixed(2)}×`)
}

const memory = (mode: 'ten' | 'all') =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', new URL('./actions-memory.ts', import.meta.url).pathname, mode],
      {
        encoding: 'utf8',
      },
    ),
  ) as { rssMiB: number; heapMiB: number; definitions: number; ms: number }
const ten = memory('ten')
const all = memory('all')
console.log('\nmemory after importing definitions (fresh process each)')
for (const [label, m] of [
  ['10 definitions', ten],
  ['the whole catalog', all],
] as const) {
  console.log(
    `${label.padEnd(20)} ${String(m.definitions).padStart(4)} definitions  RSS ${m.rssMiB} MiB  heap ${m.heapMiB} MiB  import ${m.ms} ms`,
  )
}
