import type { StoredMessage } from '../spec/index.ts'

/** The stream topic ingest appends to and the pipeline reads. */
export const INGEST_TOPIC = 'ingest'

/** What ingest stores per accepted message: the enriched message and where it came from. */
export interface IngestEnvelope {
  sourceId: string
  workspaceId: string
  message: StoredMessage
}
