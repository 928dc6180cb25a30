/**
 * The durable event stream: the only way pipeline stages pass events to each other.
 *
 *   const stream = await openStream({ kind: 'sqlite', dataDir: './data' })
 *   // or, shared across hosts: openStream({ kind: 'jetstream', url: 'nats://127.0.0.1:4222/switchyard' })
 *   await stream.append('ingest', [{ key: sourceId, value: json, dedupeId: messageId }], { dedupeScope: sourceId })
 *   const records = await stream.read('ingest', 'process', { max: 500, waitMs: 1000 })
 *   await stream.commit('ingest', 'process', records.at(-1)!.offset)
 */
import { resolveStreamOptions, type StreamConfig, type StreamDeps } from './stream-config.ts'
import { JetStreamStream } from './jetstream/jetstream-stream.ts'
import { SqliteStream } from './sqlite/sqlite-stream.ts'
import type { EventStream } from './stream.ts'

export type * from './stream.ts'
export type * from './queues.ts'
export { systemClock } from './stream.ts'
export {
  MIN_DEDUPE_WINDOW_MS,
  STREAM_DEFAULTS,
  resolveStreamOptions,
  type GroupCommitConfig,
  type JetStreamConfig,
  type RetentionConfig,
  type SqliteStreamConfig,
  type StreamConfig,
  type FileSync,
  type StreamDeps,
  type StreamDurability,
  type StreamLimitsConfig,
  type StreamOptions,
  type StreamOverrides,
} from './stream-config.ts'
export { StreamClosedError, StreamUnavailableError } from './stream-errors.ts'
export { pause, runEvery, runUntilStopped } from './run-until-stopped.ts'
export { evaluateLimits } from './stream-limits.ts'
export { SQLITE_STREAM_FILE } from './sqlite/sqlite-stream.ts'
export { parseNatsUrl } from './jetstream/jetstream-url.ts'

/**
 * Opens the stream the config names: the embedded SQLite stream, or NATS JetStream shared by every
 * process that names the same server and namespace.
 */
export async function openStream(config: StreamConfig, deps: StreamDeps = {}): Promise<EventStream> {
  const options = resolveStreamOptions(config)
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStream(config, options, deps)
    case 'jetstream':
      return JetStreamStream.open(config, options, deps)
    default:
      throw new TypeError(`unknown stream kind: ${(config as { kind: unknown }).kind}`)
  }
}
