import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DeliveryRecord, DeliveryRecorder } from '../pipeline/index.ts'

/** The metrics of one Switchyard process. Each process (and each test) has its own registry. */
export interface Metrics {
  readonly registry: Registry
  /** Reports the event stream's backlog at every scrape. */
  observeStream(stream: {
    stats(): Promise<{ topics: readonly { topic: string; backlogRecords: number; backlogBytes: number }[] }>
  }): void
  readonly httpRequests: Counter<'server' | 'method' | 'route' | 'status_code'>
  readonly httpDuration: Histogram<'server' | 'method' | 'route'>
  /** Counts what the pipeline did with each message, per destination (the delivery runtime's recorder). */
  readonly delivery: DeliveryRecorder
  readonly processedMessages: Counter
  /** Messages the process stage dropped because their source blocks them (schema controls). */
  readonly blockedMessages: Counter
  /** Messages the archive stored. */
  readonly archivedMessages: Counter
  /** Warehouse syncs ended, by status, and the rows they loaded. */
  readonly warehouseSyncs: Counter<'status'>
  readonly warehouseRows: Counter
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' })
  const deliveryMessages = new Counter({
    name: 'switchyard_delivery_messages_total',
    help: 'Messages settled by a destination, by outcome (delivered, filtered, retrying, dropped, dead_lettered) and reason (drop reason or response code).',
    labelNames: ['destination_id', 'outcome', 'reason'],
    registers: [registry],
  })
  const deliveryLatency = new Histogram({
    name: 'switchyard_delivery_latency_seconds',
    help: 'From ingest receiving a message to its destination accepting it.',
    labelNames: ['destination_id'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  })
  const delivery: DeliveryRecorder = {
    record({ destinationId, messages, event }: DeliveryRecord) {
      const reason = event.kind === 'filtered' ? event.reason : event.code
      deliveryMessages.inc({ destination_id: destinationId, outcome: event.kind, reason }, messages.length)
      if (event.kind === 'delivered') {
        for (let i = 0; i < messages.length; i++)
          deliveryLatency.observe({ destination_id: destinationId }, event.latencyMs / 1000)
      }
    },
  }
  return {
    delivery,
    processedMessages: new Counter({
      name: 'switchyard_process_messages_total',
      help: 'Messages the process stage has routed.',
      registers: [registry],
    }),
    blockedMessages: new Counter({
      name: 'switchyard_process_blocked_messages_total',
      help: 'Messages the process stage dropped because their source blocks the event (schema controls).',
      registers: [registry],
    }),
    archivedMessages: new Counter({
      name: 'switchyard_archive_messages_total',
      help: 'Messages stored in the archive (debugger, schema, replay).',
      registers: [registry],
    }),
    warehouseSyncs: new Counter({
      name: 'switchyard_warehouse_syncs_total',
      help: 'Warehouse syncs ended, by status (success, partial, failure).',
      labelNames: ['status'],
      registers: [registry],
    }),
    warehouseRows: new Counter({
      name: 'switchyard_warehouse_rows_total',
      help: 'Rows warehouse syncs loaded (inserted or upserted).',
      registers: [registry],
    }),
    registry,
    observeStream(stream) {
      const read = async (pick: 'backlogRecords' | 'backlogBytes', gauge: Gauge<'topic'>) => {
        for (const topic of (await stream.stats()).topics) gauge.set({ topic: topic.topic }, topic[pick])
      }
      new Gauge({
        name: 'switchyard_stream_backlog_events',
        help: 'Events in the stream that its slowest consumer group has not finished, per topic.',
        labelNames: ['topic'],
        registers: [registry],
        async collect() {
          await read('backlogRecords', this)
        },
      })
      new Gauge({
        name: 'switchyard_stream_backlog_bytes',
        help: 'Bytes of events the slowest consumer group has not finished, per topic.',
        labelNames: ['topic'],
        registers: [registry],
        async collect() {
          await read('backlogBytes', this)
        },
      })
    },
    httpRequests: new Counter({
      name: 'switchyard_http_requests_total',
      help: 'HTTP requests answered, by server, method, route pattern and status code.',
      labelNames: ['server', 'method', 'route', 'status_code'],
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'switchyard_http_request_duration_seconds',
      help: 'Time from receiving a request to finishing its response, by server, method and route pattern.',
      labelNames: ['server', 'method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  }
}
