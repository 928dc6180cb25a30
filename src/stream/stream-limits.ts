import type { StreamLimitsConfig } from './stream-config.ts'
import type { StreamHealth, StreamLimitReason } from './stream.ts'

export interface BacklogMeasure {
  readonly backlogRecords: number
  readonly backlogBytes: number
  readonly freeDiskBytes: number | undefined
}

/** The backlog the limits are checked against: the topics that count, summed. */
export function backlogOf(
  topics: readonly { topic: string; backlogRecords: number; backlogBytes: number }[],
  limits: Pick<StreamLimitsConfig, 'countsTowardBacklog'>,
): { backlogRecords: number; backlogBytes: number } {
  let backlogRecords = 0
  let backlogBytes = 0
  for (const t of topics) {
    if (limits.countsTowardBacklog && !limits.countsTowardBacklog(t.topic)) continue
    backlogRecords += t.backlogRecords
    backlogBytes += t.backlogBytes
  }
  return { backlogRecords, backlogBytes }
}

/** Compares a measured backlog with the limits: the one rule every adapter answers `health()` by. */
export function evaluateLimits(measure: BacklogMeasure, limits: StreamLimitsConfig): StreamHealth {
  const overLimits: StreamLimitReason[] = []
  if (measure.backlogRecords > limits.maxBacklogRecords) overLimits.push('backlog_records')
  if (measure.backlogBytes > limits.maxBacklogBytes) overLimits.push('backlog_bytes')
  if (measure.freeDiskBytes !== undefined && measure.freeDiskBytes < limits.minFreeDiskBytes)
    overLimits.push('free_disk')
  return Object.freeze({
    accepting: overLimits.length === 0,
    overLimits: Object.freeze(overLimits),
    retryAfterSeconds: limits.retryAfterSeconds,
    ...measure,
  })
}
