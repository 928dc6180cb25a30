import { statfsSync } from 'node:fs'
import type { GroupStats, TopicStats } from '../stream.ts'
import type { GroupRow, StreamStatements, TopicRow } from './sqlite-statements.ts'

/**
 * Per-topic backlog from the topic and group rows alone (no scan of records): offsets are gapless
 * and each row carries running byte totals, so every figure is a subtraction. A group registered
 * before retention removed records counts from the oldest retained record.
 */
export function measureTopics(sql: StreamStatements): TopicStats[] {
  const groupsByTopic = new Map<string, GroupRow[]>()
  for (const group of sql.groups.all()) {
    const list = groupsByTopic.get(group.topic) ?? []
    list.push(group)
    groupsByTopic.set(group.topic, list)
  }
  return sql.topics.all().map((row) => topicStats(row, groupsByTopic.get(row.topic) ?? []))
}

function topicStats(row: TopicRow, groupRows: readonly GroupRow[]): TopicStats {
  const groups: GroupStats[] = groupRows.map((group) => {
    const committedOffset = Math.max(group.committed_offset, row.pruned_offset)
    const committedBytes = Math.max(group.committed_bytes, row.pruned_bytes)
    return {
      group: group.group_name,
      committedOffset: group.committed_offset,
      lagRecords: row.head_offset - committedOffset,
      lagBytes: row.total_bytes - committedBytes,
    }
  })
  const retainedRecords = row.head_offset - row.pruned_offset
  const retainedBytes = row.total_bytes - row.pruned_bytes
  const slowest = groups.reduce<GroupStats | undefined>(
    (worst, group) => (worst === undefined || group.lagRecords > worst.lagRecords ? group : worst),
    undefined,
  )
  return {
    topic: row.topic,
    headOffset: row.head_offset,
    retainedRecords,
    retainedBytes,
    backlogRecords: slowest?.lagRecords ?? retainedRecords,
    backlogBytes: slowest?.lagBytes ?? retainedBytes,
    groups,
  }
}

/** Free bytes for unprivileged writers on the disk holding `dir`, or undefined when unknown. */
export function freeDiskBytes(dir: string): number | undefined {
  try {
    const fs = statfsSync(dir)
    return fs.bavail * fs.bsize
  } catch {
    return undefined
  }
}
