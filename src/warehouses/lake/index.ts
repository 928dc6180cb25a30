/**
 * The data lake export (warehouse spec §8): a source's rows as Parquet files in Segment Data Lakes'
 * layout, plus a sync report per run.
 *
 *   const report = await exportToLake({ root: 'data/lake', sourceId, runId, tables: [
 *     { segmentType: 'identify', columns, rows },
 *     { segmentType: 'order_completed', columns, rows },
 *   ] })
 *   // data/lake/data/<sourceId>/segment_type=identify/day=2024-05-01/hr=13/part-<runId>.parquet
 */
export {
  exportToLake,
  PARTITION_COLUMN,
  type LakeExportRequest,
  type LakeFile,
  type LakeReport,
  type LakeTable,
  type LakeTableReport,
} from './parquet-export.ts'
export {
  partitionDirectory,
  partitionFileName,
  partitionOf,
  pathSegment,
  reportPath,
  type Partition,
} from './lake-layout.ts'
