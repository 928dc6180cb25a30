import type { StoredMessage } from './messages.ts'

/** The stream topic ingest appends to and its consumers (process, metering, archive) read. */
export const INGEST_TOPIC = 'ingest'

/** What ingest stores per accepted message: the enriched message and where it came from. */
export interface IngestEnvelope {
  sourceId: string
  workspaceId: string
  message: StoredMessage
}

/**
 * Consumer groups of the ingest topic, declared up front: each is registered when ingest starts, so
 * that retention keeps every event until all of them have finished with it, even a consumer that is
 * not running yet.
 */
export const INGEST_CONSUMERS = ['process', 'metering', 'archive'] as const
