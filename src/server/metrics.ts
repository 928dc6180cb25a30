import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The metrics of one Switchyard process. Each process (and each test) has its own registry. */
export interface Metrics {
  readonly registry: Registry
  /** Reports the event stream's backlog at every scrape. */
  observeStream(stream: {
    stats(): Promise<{ topics: readonly { topic: string; backlogRecords: number; backlogBytes: number }[] }>
  }): void
  readonly httpRequests: Counter<'server' | 'method' | 'route' | 'status_code'>
  readonly httpDuration: Histogram<'server' | 'method' | 'route'>
}

export function createMetrics(): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_' })
  return {
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
