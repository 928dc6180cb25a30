import type { IngestEnvelope } from '../spec/index.ts'
import type { EventVolumeDelta, UsageDelta } from '../store/index.ts'

/**
 * What a batch of ingested messages adds to usage, by Segment's definitions: every message is an
 * API call (batches count per message), on the UTC day it was received; each userId and each
 * anonymousId is a tracked identity for the month, and an anonymousId seen together with a userId
 * is "identified" (it no longer counts as a user of its own). Event volume: messages per source,
 * UTC minute, type, event name and app version. Pure.
 */
export function aggregateUsage(envelopes: Iterable<IngestEnvelope>): UsageDelta {
  const calls = new Map<string, UsageDelta['apiCalls'][number]>()
  const identities = new Map<string, UsageDelta['identities'][number]>()
  const events = new Map<string, EventVolumeDelta>()
  const addIdentity = (
    e: IngestEnvelope,
    kind: 'user' | 'anonymous',
    identity: string,
    day: string,
    identified: boolean,
  ) => {
    const month = day.slice(0, 7)
    const key = `${e.sourceId}|${month}|${kind}|${identity}`
    const existing = identities.get(key)
    if (existing) {
      if (identified && !existing.identified) existing.identified = true
      return
    }
    identities.set(key, {
      workspaceId: e.workspaceId,
      sourceId: e.sourceId,
      month,
      kind,
      identity,
      day,
      identified,
    })
  }
  for (const e of envelopes) {
    const day = e.message.receivedAt.slice(0, 10)
    const callKey = `${e.sourceId}|${day}`
    const entry = calls.get(callKey)
    if (entry) entry.calls++
    else calls.set(callKey, { workspaceId: e.workspaceId, sourceId: e.sourceId, day, calls: 1 })
    const minute = e.message.receivedAt.slice(0, 16)
    const eventType = e.message.type
    const eventName = eventNameOf(e.message)
    const appVersion = appVersionOf(e.message)
    const volumeKey = JSON.stringify([e.sourceId, minute, eventType, eventName, appVersion])
    const volume = events.get(volumeKey)
    if (volume) volume.count++
    else {
      events.set(volumeKey, {
        workspaceId: e.workspaceId,
        sourceId: e.sourceId,
        minute,
        eventType,
        eventName,
        appVersion,
        count: 1,
      })
    }
    const { userId, anonymousId } = e.message
    const hasUser = typeof userId === 'string' && userId !== ''
    if (hasUser) addIdentity(e, 'user', userId, day, false)
    if (typeof anonymousId === 'string' && anonymousId !== '')
      addIdentity(e, 'anonymous', anonymousId, day, hasUser)
  }
  return { apiCalls: [...calls.values()], identities: [...identities.values()], events: [...events.values()] }
}

/** Longest event name or app version kept; longer ones are cut (they are labels, not data). */
const MAX_LABEL = 200

/** The Track event, or a Page or Screen name; empty for other types. */
function eventNameOf(message: IngestEnvelope['message']): string {
  const m = message as unknown as Record<string, unknown>
  const name = m.type === 'track' ? m.event : m.type === 'page' || m.type === 'screen' ? m.name : undefined
  return typeof name === 'string' ? name.slice(0, MAX_LABEL) : ''
}

function appVersionOf(message: IngestEnvelope['message']): string {
  const app = (message.context as Record<string, unknown> | undefined)?.app
  const version =
    typeof app === 'object' && app !== null ? (app as Record<string, unknown>).version : undefined
  return typeof version === 'string' || typeof version === 'number' ? String(version).slice(0, MAX_LABEL) : ''
}
