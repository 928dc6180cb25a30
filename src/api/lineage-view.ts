/**
 * A message's lineage as the API shows it: every recorded step in order, led by its reception, and
 * for each destination it was routed to, where it stands now. Pure.
 */
import type { LineageEntry } from '../store/index.ts'

export interface LineageEvent {
  at: string
  stage: string
  outcome: string
  destinationId?: string
  destinationName?: string | null
  code?: string
  detail?: string
  [field: string]: unknown
}

export interface DestinationState {
  destinationId: string
  destinationName: string | null
  /** The last outcome, or `queued` when the destination has not handled the message yet. */
  outcome: string
  code: string | null
  detail: string | null
  at: string | null
  attempts: number
}

export interface LineageView {
  sourceId: string
  messageId: string
  receivedAt: string | null
  events: LineageEvent[]
  destinations: DestinationState[]
}

/** Builds the view from the stored entries (oldest first); `names` maps destination ids to names. */
export function lineageView(
  sourceId: string,
  messageId: string,
  entries: readonly LineageEntry[],
  names: ReadonlyMap<string, string>,
): LineageView {
  const routed = entries.find((e) => e.outcome === 'routed')
  const receivedAt = typeof routed?.data?.receivedAt === 'string' ? routed.data.receivedAt : null
  const events: LineageEvent[] = []
  if (receivedAt !== null) events.push({ at: receivedAt, stage: 'ingest', outcome: 'received' })
  const states = new Map<string, DestinationState>()
  const state = (id: string): DestinationState => {
    let s = states.get(id)
    if (!s) {
      s = {
        destinationId: id,
        destinationName: names.get(id) ?? null,
        outcome: 'queued',
        code: null,
        detail: null,
        at: null,
        attempts: 0,
      }
      states.set(id, s)
    }
    return s
  }
  for (const entry of entries) {
    const at = new Date(entry.at).toISOString()
    const { receivedAt: _receivedAt, ...data } = entry.data ?? {}
    events.push({
      at,
      stage: entry.stage,
      outcome: entry.outcome,
      ...(entry.destinationId !== '' && {
        destinationId: entry.destinationId,
        destinationName: names.get(entry.destinationId) ?? null,
      }),
      ...(entry.code !== '' && { code: entry.code }),
      ...(entry.detail !== '' && { detail: entry.detail }),
      ...data,
    })
    if (entry.outcome === 'routed' && Array.isArray(entry.data?.destinationIds)) {
      for (const id of entry.data.destinationIds) if (typeof id === 'string') state(id)
    }
    if (entry.destinationId !== '') {
      const s = state(entry.destinationId)
      s.outcome = entry.outcome
      s.code = entry.code === '' ? null : entry.code
      s.detail = entry.detail === '' ? null : entry.detail
      s.at = at
      if (entry.outcome !== 'filtered') s.attempts++
    }
  }
  return { sourceId, messageId, receivedAt, events, destinations: [...states.values()] }
}
