import type { FastifyPluginAsync } from 'fastify'
import type { Store } from '../store/index.ts'
import { analyticsJs } from './analytics-js.ts'
import { allowCrossOriginRequests } from './cors.ts'
import type { EventStream } from '../stream/index.ts'
import { trackingApi } from './tracking-api.ts'
import type { IngestRejectionCounter } from './rejection-counts.ts'
import { WriteKeyResolver } from './write-keys.ts'

export { analyticsJsSettings } from './analytics-js.ts'
export { appendToSource, type AppendRejection } from './append.ts'
export { FAILED_ON_INGEST, IngestRejectionCounter } from './rejection-counts.ts'
export { MAX_MESSAGE_BYTES, MAX_REQUEST_BYTES, MAX_NESTING_DEPTH } from './limits.ts'

export interface IngestOptions {
  store: Store
  stream: EventStream
  now?: () => Date
  /** Counts refused messages per source for Delivery Overview; none when absent. */
  rejections?: IngestRejectionCounter
}

/** Everything the ingest port serves: the Tracking API, the pixel, analytics.js and its settings. */
export const ingest: FastifyPluginAsync<IngestOptions> = async (app, options) => {
  const writeKeys = new WriteKeyResolver(options.store)
  allowCrossOriginRequests(app)
  await app.register(analyticsJs, { writeKeys })
  await app.register(trackingApi, {
    stream: options.stream,
    writeKeys,
    ...(options.now && { now: options.now }),
    ...(options.rejections && {
      onRejected: options.rejections.add.bind(options.rejections),
    }),
  })
}
