import { apiErrorCode, NO_MESSAGE_FOUND, type JetStreamContext } from './jetstream-connection.ts'
import { appendedAt } from './jetstream-records.ts'

/**
 * The newest offset in `[first, floor]` appended at or before `cutoff` by the stream's clock, or
 * `first - 1` when there is none. Records are stored in append order, so their append times grow
 * with the offset (up to clock differences between processes): a binary search reads a few records.
 */
export async function lastAppendedBy(
  ctx: JetStreamContext,
  stream: string,
  first: number,
  floor: number,
  cutoff: number,
): Promise<number> {
  let low = first - 1
  let high = floor
  while (low < high) {
    const middle = Math.ceil((low + high) / 2)
    if ((await appendedAtSeq(ctx, stream, middle)) <= cutoff) low = middle
    else high = middle - 1
  }
  return low
}

/** When the record was appended; -Infinity when it is gone already (removed, so old enough). */
async function appendedAtSeq(ctx: JetStreamContext, stream: string, seq: number): Promise<number> {
  try {
    return appendedAt((await ctx.jsm.streams.getMessage(stream, { seq })).header)
  } catch (e) {
    if (apiErrorCode(e) === NO_MESSAGE_FOUND) return -Infinity
    throw e
  }
}
