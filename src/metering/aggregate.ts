import type { IngestEnvelope } from '../spec/index.ts'
import type { UsageDelta } from '../store/index.ts'

/**
 * What a batch of ingested messages adds to usage, by Segment's definitions: every message is an
 * API call (batches count per message), on the UTC day it was received; each userId and each
 * anonymousId is a tracked identity for the month, and an anonymousId seen together with a userId
 * is "identified" (it no longer counts as a user of its own). Pure.
 */
export function aggregateUsage(envelopes: Iterable<IngestEnvelope>): UsageDelta {
  const calls = new Map<string, UsageDelta['apiCalls'][number]>()
  const identities = new Map<string, UsageDelta['identities'][number]>()
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
    const { userId, anonymousId } = e.message
    const hasUser = typeof userId === 'string' && userId !== ''
    if (hasUser) addIdentity(e, 'user', userId, day, false)
    if (typeof anonymousId === 'string' && anonymousId !== '')
      addIdentity(e, 'anonymous', anonymousId, day, hasUser)
  }
  return { apiCalls: [...calls.values()], identities: [...identities.values()] }
}
