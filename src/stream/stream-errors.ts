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

/**
 * The stream's server cannot be reached or did not answer in time (NATS down, a network split).
 * Nothing was acknowledged: ingest answers 503 with `Retry-After`, so clients send again later.
 */
export class StreamUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StreamUnavailableError'
  }
}
