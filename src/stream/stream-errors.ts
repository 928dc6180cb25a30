/**
 * The stream was closed (the process is shutting down): ingest answers 503 so that the client
 * retries, a consumer stops. Ingest reports it as `SY_STREAM_UNAVAILABLE`.
 */
export class StreamClosedError extends Error {
  constructor() {
    super('the event stream is closed')
    this.name = 'StreamClosedError'
  }
}
