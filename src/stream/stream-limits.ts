import type { StreamLimitsConfig } from './stream-config.ts'
import type { StreamHealth, StreamLimitReason } from './stream.ts'

export interface BacklogMeasure {
  readonly backlogRecords: number
  readonly backlogBytes: number
  readonly freeDiskBytes: number | undefined
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
