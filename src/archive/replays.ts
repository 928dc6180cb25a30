import { SwitchyardError } from '../errors/index.ts'
import { isMessageType, MESSAGE_TYPES } from '../spec/index.ts'
import { sourceNotFound, type Actor, type ReplayJob, type Repositories } from '../store/index.ts'
import { MAX_INDEXED_LENGTH } from './rows.ts'

/** What a replay asks for; times are ISO-8601, `endTime` excluded. */
export interface ReplayRequest {
  workspaceId: string
  sourceId: string
  startTime: string
  endTime: string
  /** Destination instances of the source; all its enabled ones when omitted or empty. */
  destinationIds?: readonly string[]
  eventTypes?: readonly string[]
  eventNames?: readonly string[]
}

export const MAX_REPLAY_EVENT_NAMES = 100

/**
 * Checks a replay request and queues the job, with an audit event, in the caller's transaction
 * (the Public API and `switchyard replay` both create replays here). The destinations must be
 * connected to the source; they needn't be enabled: a disabled one gets the messages when it is
 * enabled again.
 */
export async function createReplay(
  tx: Repositories,
  request: ReplayRequest,
  actor: Actor,
): Promise<ReplayJob> {
  const startTime = isoField(request.startTime, 'startTime')
  const endTime = isoField(request.endTime, 'endTime')
  if (startTime >= endTime) {
    throw new SwitchyardError('SY_API_VALIDATION', 'endTime must be later than startTime', {
      field: 'endTime',
    })
  }
  const eventTypes = request.eventTypes?.length ? [...new Set(request.eventTypes)] : null
  for (const type of eventTypes ?? []) {
    if (!isMessageType(type))
      throw new SwitchyardError(
        'SY_API_VALIDATION',
        `eventTypes may hold ${MESSAGE_TYPES.join(', ')} (got "${type}")`,
        { field: 'eventTypes' },
      )
  }
  const eventNames = request.eventNames?.length ? [...new Set(request.eventNames)] : null
  if (eventNames && eventNames.length > MAX_REPLAY_EVENT_NAMES)
    throw new SwitchyardError(
      'SY_API_VALIDATION',
      `eventNames holds at most ${MAX_REPLAY_EVENT_NAMES} names`,
      {
        field: 'eventNames',
      },
    )
  for (const name of eventNames ?? []) {
    if (name === '' || name.length > MAX_INDEXED_LENGTH || name.includes('\0'))
      throw new SwitchyardError(
        'SY_API_VALIDATION',
        `eventNames must be track event names of 1 to ${MAX_INDEXED_LENGTH} characters`,
        { field: 'eventNames' },
      )
  }

  const source = await tx.sources.get(request.workspaceId, request.sourceId)
  if (!source) throw sourceNotFound(request.sourceId)
  const connected = (
    await tx.destinations.list(request.workspaceId, { offset: 0, limit: 10_000 }, { sourceId: source.id })
  ).items
  let destinationIds: string[]
  if (request.destinationIds?.length) {
    destinationIds = [...new Set(request.destinationIds)]
    for (const id of destinationIds) {
      if (connected.some((d) => d.id === id)) continue
      if (!id.includes('\0') && (await tx.destinations.get(request.workspaceId, id)))
        throw new SwitchyardError(
          'SY_RESOURCE_INVALID',
          `Destination ${id} is not connected to source ${source.id}; a replay re-sends a source's messages to its own destinations`,
          { field: 'destinationIds' },
        )
      throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No destination with id ${id} in this workspace`, {
        field: 'destinationIds',
      })
    }
  } else {
    destinationIds = connected.filter((d) => d.enabled).map((d) => d.id)
    if (destinationIds.length === 0)
      throw new SwitchyardError(
        'SY_RESOURCE_INVALID',
        `Source ${source.id} has no enabled destination; name the destinations to replay to in destinationIds`,
        { field: 'destinationIds' },
      )
  }

  const job = await tx.replayJobs.create({
    workspaceId: request.workspaceId,
    sourceId: source.id,
    startTime,
    endTime,
    destinationIds,
    eventTypes,
    eventNames,
    createdBy: actor.id,
  })
  await tx.audit.record({
    workspaceId: request.workspaceId,
    type: 'Replay Created',
    actor,
    resource: { type: 'source', id: source.id, name: source.name },
    before: null,
    after: job,
  })
  return job
}

/** Cancels a queued or running replay, with an audit event, in the caller's transaction. */
export async function cancelReplay(
  tx: Repositories,
  workspaceId: string,
  replayId: string,
  actor: Actor,
): Promise<ReplayJob | undefined> {
  const before = await tx.replayJobs.get(workspaceId, replayId)
  if (!before) return undefined
  if (!(await tx.replayJobs.cancel(workspaceId, replayId))) {
    throw new SwitchyardError(
      'SY_RESOURCE_WRONG_STATE',
      `Replay ${replayId} has already ${before.status === 'cancelled' ? 'been cancelled' : before.status}; only a queued or running replay can be cancelled`,
      { field: 'replayId' },
    )
  }
  const after = (await tx.replayJobs.get(workspaceId, replayId))!
  const source = await tx.sources.get(workspaceId, after.sourceId)
  await tx.audit.record({
    workspaceId,
    type: 'Replay Cancelled',
    actor,
    resource: { type: 'source', id: after.sourceId, name: source?.name ?? after.sourceId },
    before,
    after,
  })
  return after
}

function isoField(value: string, field: string): string {
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
