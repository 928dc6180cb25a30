import { maskJsonText, maskMessage } from '../pii.ts'
import { indexable } from '../../archive/index.ts'
import { SwitchyardError } from '../../errors/index.ts'
import { isMessageType, MESSAGE_TYPES } from '../../spec/index.ts'
import {
  sourceNotFound,
  type ArchivedMessage,
  type ArchiveFilter,
  type Source,
  type Store,
} from '../../store/index.ts'

/** The source named in the path, in the caller's workspace, or 404. */
export async function sourceOf(store: Store, workspaceId: string, sourceId: string): Promise<Source> {
  const source = await store.sources.get(workspaceId, sourceId)
  if (!source) throw sourceNotFound(sourceId)
  return source
}

/** An optional query-string text field; repeated or empty values are refused. */
export function textParam(query: Record<string, unknown>, field: string): string | undefined {
  const value = query[field]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value === '')
    throw new SwitchyardError('SY_API_VALIDATION', `${field} must be given once, as non-empty text`, {
      field,
    })
  return value
}

/** An optional ISO-8601 date-time in the query string, as `toISOString()` text. */
export function timeParam(query: Record<string, unknown>, field: string): string | undefined {
  const value = textParam(query, field)
  if (value === undefined) return undefined
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN
  if (Number.isNaN(ms))
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `${field} must be an ISO-8601 date-time (got "${value}")`,
      {
        field,
      },
    )
  return new Date(ms).toISOString()
}

/**
 * The archive filter of a request: `messageId`, `userId`, `event` (track event name), `type`,
 * `startTime` and `endTime` (received at, end excluded). Undefined when a value can't match any
 * archived message (too long to be indexed), so that the caller answers an empty list.
 */
export function readArchiveFilter(query: Record<string, unknown>): ArchiveFilter | undefined {
  const filter: ArchiveFilter = {}
  for (const field of ['messageId', 'userId', 'event'] as const) {
    const value = textParam(query, field)
    if (value === undefined) continue
    if (indexable(value) === null) return undefined
    filter[field] = value
  }
  const type = textParam(query, 'type')
  if (type !== undefined) {
    if (!isMessageType(type))
      throw new SwitchyardError('SY_API_VALIDATION', `type must be one of ${MESSAGE_TYPES.join(', ')}`, {
        field: 'type',
      })
    filter.type = type
  }
  const from = timeParam(query, 'startTime')
  const to = timeParam(query, 'endTime')
  if (from !== undefined) filter.from = from
  if (to !== undefined) filter.to = to
  return filter
}

/** An archived message as the API shows it; with `mask`, its personal data masked (no PII access). */
export const archivedMessageV1 = (m: ArchivedMessage, mask = false) => {
  const message = JSON.parse(m.message) as Record<string, unknown>
  return {
    id: String(m.id),
    sourceId: m.sourceId,
    receivedAt: m.receivedAt,
    blocked: m.blocked,
    message: mask ? maskMessage(message) : message,
  }
}

/** The same as JSON text, without parsing the stored message unless masking (the debugger's event data). */
export const archivedMessageJson = (m: ArchivedMessage, mask = false): string =>
  `{"id":"${m.id}","sourceId":${JSON.stringify(m.sourceId)},"receivedAt":"${m.receivedAt}","blocked":${m.blocked},"message":${mask ? maskJsonText(m.message) : m.message}}`
