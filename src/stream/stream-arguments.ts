import type { ClaimOptions, EnqueueItem } from './queues.ts'
import type { AppendRecord, ReadOptions } from './stream.ts'

/**
 * Topic, group and queue names: letters, digits, `_` and `-`, up to 64 characters. The same names are
 * valid JetStream stream and consumer names, so a topic keeps its name on every adapter.
 */
const NAME = /^[A-Za-z0-9_-]{1,64}$/

export function checkName(kind: 'topic' | 'group' | 'queue', name: string): void {
  if (typeof name !== 'string' || !NAME.test(name))
    throw new TypeError(`stream ${kind} name must match ${NAME.source}: ${JSON.stringify(name)}`)
}

/** Checks a call's records before they join a group commit, so one bad call can't fail a group. */
export function checkRecords(records: readonly AppendRecord[]): void {
  if (!Array.isArray(records)) throw new TypeError('stream append takes an array of records')
  for (const record of records) {
    if (typeof record?.key !== 'string') throw new TypeError('stream record key must be a string')
    if (typeof record.value !== 'string' && !(record.value instanceof Uint8Array))
      throw new TypeError('stream record value must be a string or a Uint8Array')
    if (record.dedupeId !== undefined && (typeof record.dedupeId !== 'string' || record.dedupeId === ''))
      throw new TypeError('stream record dedupeId must be a non-empty string when given')
  }
}

/** Checks a call's queue items before anything is written. */
export function checkQueueItems(items: readonly EnqueueItem[]): void {
  if (!Array.isArray(items)) throw new TypeError('queue enqueue takes an array of items')
  for (const item of items) {
    if (typeof item?.value !== 'string' && !(item?.value instanceof Uint8Array))
      throw new TypeError('queue item value must be a string or a Uint8Array')
    if (item.dedupeId !== undefined && (typeof item.dedupeId !== 'string' || item.dedupeId === ''))
      throw new TypeError('queue item dedupeId must be a non-empty string when given')
  }
}

export function checkQueueIds(ids: readonly number[]): void {
  if (!Array.isArray(ids) || !ids.every((id) => Number.isSafeInteger(id) && id > 0))
    throw new TypeError('queue item ids must be positive integers')
}

/** A claim's options with their defaults, checked. */
export function claimLimits(options: ClaimOptions): { max: number; waitMs: number; leaseMs: number } {
  const max = options.max ?? 100
  const waitMs = options.waitMs ?? 0
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`queue claim max must be ≥ 1: ${max}`)
  if (!(options.leaseMs > 0)) throw new RangeError(`queue claim leaseMs must be > 0: ${options.leaseMs}`)
  return { max, waitMs, leaseMs: options.leaseMs }
}

export function checkRetryDelay(delayMs: number): void {
  if (!(delayMs >= 0)) throw new RangeError(`queue retry delayMs must be ≥ 0: ${delayMs}`)
}

export function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0)
    throw new RangeError(`stream offset must be a non-negative integer: ${offset}`)
}

export interface ReadLimits {
  readonly max: number
  readonly maxBytes: number
  readonly waitMs: number
}

export function readLimits(options: ReadOptions): ReadLimits {
  const max = options.max ?? 100
  const maxBytes = options.maxBytes ?? 1024 * 1024
  const waitMs = options.waitMs ?? 0
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`stream read max must be ≥ 1: ${max}`)
  if (!(maxBytes >= 1)) throw new RangeError(`stream read maxBytes must be ≥ 1: ${maxBytes}`)
  if (!(waitMs >= 0)) throw new RangeError(`stream read waitMs must be ≥ 0: ${waitMs}`)
  if (options.after !== undefined) checkOffset(options.after)
  return { max, maxBytes, waitMs }
}

/** Bytes a value takes: UTF-8 length of text, length of bytes. */
export const valueBytes = (value: string | Uint8Array): number =>
  typeof value === 'string' ? Buffer.byteLength(value) : value.byteLength
