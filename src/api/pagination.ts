import { SwitchyardError } from '../errors/index.ts'

/** Segment's page size bounds: the current SDK allows up to 1000 per page. */
export const MAX_PAGE_COUNT = 1000
export const DEFAULT_PAGE_COUNT = 200

export interface PageRequest {
  offset: number
  count: number
}

/** Segment's pagination output. Cursors are opaque; ours are base64 offsets, like Segment's `MA==`. */
export interface PaginationOutput {
  current: string
  next?: string | null
  previous?: string | null
  totalEntries: number
}

const encodeCursor = (offset: number): string => Buffer.from(String(offset)).toString('base64')

function decodeCursor(cursor: string): number {
  const text = Buffer.from(cursor, 'base64').toString('utf8')
  if (!/^\d{1,12}$/.test(text) || encodeCursor(Number(text)) !== cursor) {
    throw new SwitchyardError('SY_API_VALIDATION', 'pagination.cursor is not a cursor this API returned', {
      field: 'pagination.cursor',
    })
  }
  return Number(text)
}

/**
 * Reads `pagination[count]` / `pagination[cursor]` (the SDK's form), `pagination.count` /
 * `pagination.cursor`, or a nested `pagination` object. Omitted pagination means the first page of
 * `DEFAULT_PAGE_COUNT`.
 */
export function readPagination(query: unknown): PageRequest {
  const q = (query ?? {}) as Record<string, unknown>
  const nested = (typeof q.pagination === 'object' && q.pagination !== null ? q.pagination : {}) as Record<
    string,
    unknown
  >
  const rawCount = q['pagination[count]'] ?? q['pagination.count'] ?? nested.count
  const rawCursor = q['pagination[cursor]'] ?? q['pagination.cursor'] ?? nested.cursor
  let count = DEFAULT_PAGE_COUNT
  if (rawCount !== undefined) {
    const text = String(rawCount)
    count = Number(text)
    if (!/^\d+$/.test(text) || count < 1 || count > MAX_PAGE_COUNT) {
      throw new SwitchyardError(
        'SY_API_VALIDATION',
        `pagination.count must be a whole number from 1 to ${MAX_PAGE_COUNT} (got "${text}")`,
        { field: 'pagination.count' },
      )
    }
  }
  const offset = rawCursor === undefined || rawCursor === '' ? 0 : decodeCursor(String(rawCursor))
  return { offset, count }
}

export function paginationOutput(page: PageRequest, total: number): PaginationOutput {
  const out: PaginationOutput = { current: encodeCursor(page.offset), totalEntries: total }
  if (page.offset + page.count < total) out.next = encodeCursor(page.offset + page.count)
  if (page.offset > 0) out.previous = encodeCursor(Math.max(0, page.offset - page.count))
  return out
}
