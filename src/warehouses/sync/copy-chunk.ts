/**
 * A chunk of staged records made ready for a loader that takes COPY rows (pure, and safe to run in a
 * worker thread: input and output are plain data, the rows go back as transferable bytes). Records
 * come in batches, as the sync reads them, and are used up at once, so a chunk's messages are never all
 * in memory. Per source, message by message: the envelope read (`stagedMessage`), and its rows
 * (`writeRows`) planned value by value against the source's schema so far and written as binary COPY rows
 * (`CopyPlanner`, which also applies Selective Sync and merges `users` and `accounts` rows per id).
 */
import { formatTimestamp } from '../../spec/index.ts'
import { writeRows, type TableColumns } from '../schema/index.ts'
import { CopyPlanner, type CopyBatch, type CopyPlan } from './copy-plan.ts'
import type { SelectiveSyncRules } from './selective-sync.ts'
import { stagedMessage } from './staged-rows.ts'

/** What a chunk's build needs before its records. */
export interface CopyChunkStart {
  /** When the rows were staged (`uuid_ts`), epoch milliseconds. */
  readonly uuidTs: number
  readonly maxColumnsPerTable: number
}

/** A batch of a chunk's records, in stream order, with the sources they name for the first time. */
export interface CopyRecords {
  /** The records' keys (source ids) and values. */
  readonly keys: readonly string[]
  readonly values: readonly (string | Uint8Array)[]
  /**
   * Each source these records are the first of: plan its records (Selective Sync `rules` and its
   * schema so far), or only count them (`null`: the source was deleted). Every record's source is
   * named in its batch or an earlier one.
   */
  readonly sources: Readonly<Record<string, CopySourceInput | null>>
}

export interface CopySourceInput {
  readonly rules: SelectiveSyncRules
  readonly schema: TableColumns
}

export type { CopyBatch }

export interface CopyChunkSource {
  readonly sourceId: string
  readonly messages: number
  /** Records that were not messages. */
  readonly unreadable: number
  /** Absent for sources only counted. */
  readonly plan?: Omit<CopyPlan, 'batches'>
  readonly batches?: readonly CopyBatch[]
}

export interface CopyChunk {
  /** Sources in order of their first record. */
  readonly sources: CopyChunkSource[]
  /** The buffers of the batches' rows, to hand over rather than copy. */
  readonly transfer: ArrayBuffer[]
}

interface SourceState {
  messages: number
  unreadable: number
  readonly planner: CopyPlanner | undefined
}

/** One chunk's build: `add` its records, batch by batch, then `finish`. */
export class CopyChunkBuild {
  readonly #uuidTs: string
  readonly #maxColumnsPerTable: number
  readonly #states = new Map<string, SourceState>()

  constructor(start: CopyChunkStart) {
    this.#uuidTs = formatTimestamp(new Date(start.uuidTs))
    this.#maxColumnsPerTable = start.maxColumnsPerTable
  }

  add({ keys, values, sources }: CopyRecords): this {
    for (const sourceId in sources) {
      if (this.#states.has(sourceId)) continue
      const source = sources[sourceId]
      const planner =
        source == null
          ? undefined
          : new CopyPlanner(source.schema, { maxColumnsPerTable: this.#maxColumnsPerTable }, source.rules)
      this.#states.set(sourceId, { messages: 0, unreadable: 0, planner })
    }
    let last: string | undefined
    let state: SourceState | undefined
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] !== last) {
        last = keys[i]!
        state = this.#states.get(last)
        if (state === undefined) throw new Error(`records of source ${last} came before the source`)
      }
      if (state === undefined) continue
      const value = values[i]!
      const message = stagedMessage(value)
      if (message === undefined) {
        state.unreadable++
        continue
      }
      state.messages++
      const { planner } = state
      if (planner === undefined) continue
      writeRows(message, this.#uuidTs, planner)
    }
    return this
  }

  finish(): CopyChunk {
    const sources: CopyChunkSource[] = []
    const transfer: ArrayBuffer[] = []
    for (const [sourceId, { messages, unreadable, planner }] of this.#states) {
      if (planner === undefined) {
        sources.push({ sourceId, messages, unreadable })
        continue
      }
      const { batches, ...plan } = planner.finish()
      for (const batch of batches) transfer.push(batch.data.buffer as ArrayBuffer)
      sources.push({ sourceId, messages, unreadable, plan, batches })
    }
    return { sources, transfer }
  }
}
