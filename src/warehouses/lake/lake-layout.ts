/**
 * Where lake files go (warehouse spec §8), as Segment Data Lakes lays them out:
 *
 *   <root>/data/<source id>/segment_type=<type>/day=<YYYY-MM-DD>/hr=<HH>/part-<run id>.parquet
 *   <root>/reports/day=<YYYY-MM-DD>/source=<source id>/run_id=<run id>/report.json
 *
 * `<root>` plays the part of `s3://<bucket>/segment-data`. Partitions are by the hour a message was
 * received, in UTC. Pure functions.
 */
import { posix } from 'node:path'
import { readInstant } from '../loaders/index.ts'

export interface Partition {
  /** `YYYY-MM-DD`, UTC. */
  readonly day: string
  /** `00`–`23`, UTC. */
  readonly hr: string
}

/** The partition of a `received_at` value (a `Date` or ISO-8601 string); undefined when it is not a timestamp. */
export function partitionOf(receivedAt: unknown): Partition | undefined {
  const instant = readInstant(receivedAt)
  if (instant === undefined) return undefined
  const iso = new Date(instant.ms).toISOString()
  return { day: iso.slice(0, 10), hr: iso.slice(11, 13) }
}

/**
 * A name as one path segment, escaped as Hive escapes partition values: characters other than letters,
 * digits, `_` and `-` become `%XX` (UTF-8), so no name can climb out of its directory or add one.
 */
export function pathSegment(name: string): string {
  let out = ''
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9_-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out === '' ? '%00' : out
}

/** The directory of a partition, relative to the lake root, with `/` separators. */
export function partitionDirectory(sourceId: string, segmentType: string, partition: Partition): string {
  return posix.join(
    'data',
    pathSegment(sourceId),
    `segment_type=${pathSegment(segmentType)}`,
    `day=${partition.day}`,
    `hr=${partition.hr}`,
  )
}

/** One file per partition per run, so exporting a run again replaces its files instead of adding copies. */
export const partitionFileName = (runId: string): string => `part-${pathSegment(runId)}.parquet`

export function reportPath(sourceId: string, runId: string, startDay: string): string {
  return posix.join(
    'reports',
    `day=${startDay}`,
    `source=${pathSegment(sourceId)}`,
    `run_id=${pathSegment(runId)}`,
    'report.json',
  )
}
