import type { GroupStats, TopicStats } from '../stream.ts'
import type { GroupPosition } from './jetstream-positions.ts'
import type { TopicState } from './jetstream-topics.ts'

/**
 * A topic's figures from its stream's state, its groups' positions and the value sizes after the
 * slowest group. Offsets have no gaps inside what is retained (the streams deny single deletes), so
 * record counts are subtractions. A group registered before retention removed records counts from
 * the oldest retained record.
 */
export function topicStats(
  state: TopicState,
  positions: readonly GroupPosition[],
  bytesAfter: (offset: number) => number,
): TopicStats {
  const removed = state.firstSeq - 1
  const groups: GroupStats[] = positions.map((position) => {
    const from = Math.min(Math.max(position.offset, removed), state.lastSeq)
    return {
      group: position.group,
      committedOffset: position.offset,
      lagRecords: state.lastSeq - from,
      lagBytes: bytesAfter(from),
    }
  })
  const slowest = groups.reduce<GroupStats | undefined>(
    (worst, group) => (worst === undefined || group.lagRecords > worst.lagRecords ? group : worst),
    undefined,
  )
  return {
    topic: state.topic,
    headOffset: state.lastSeq,
    retainedRecords: state.messages,
    retainedBytes: state.bytes,
    backlogRecords: slowest?.lagRecords ?? state.messages,
    backlogBytes: slowest?.lagBytes ?? bytesAfter(removed),
    groups,
  }
}

/** The offset after which every group's lag starts: the slowest group, else the oldest record. */
export function slowestFloor(state: TopicState, positions: readonly GroupPosition[]): number {
  const removed = state.firstSeq - 1
  if (positions.length === 0) return removed
  return Math.max(removed, Math.min(...positions.map((position) => position.offset)))
}
