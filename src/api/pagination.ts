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

/**
 * Keyset pagination, for lists that grow while they are read (the archive, newest first): the
 * cursor names the last item of the page before, so new items never shift a page. Same query
 * parameters and answer shape as above; `previous` is null and `totalEntries` absent (both are
 * optional in Segment's SDK), as counting a large archive for every page would cost more than the page.
 */
export interface KeysetPageRequest {
  count: number
  /** The key of the last item of the page before; undefined for the first page. */
  after: number | undefined
}

const encodeKey = (key: number | undefined): string => Buffer.from(`key:${key ?? ''}`).toString('base64')

export function readKeysetPagination(query: unknown): KeysetPageRequest {
  const q = { ...((query ?? {}) as Record<string, unknown>) }
  const nested =
    typeof q.pagination === 'object' && q.pagination !== null
      ? { ...(q.pagination as Record<string, unknown>) }
      : undefined
  const raw = q['pagination[cursor]'] ?? q['pagination.cursor'] ?? nested?.cursor
  delete q['pagination[cursor]']
  delete q['pagination.cursor']
  if (nested) {
    delete nested.cursor
    q.pagination = nested
  }
  const { count } = readPagination(q)
  if (raw === undefined || raw === '') return { count, after: undefined }
  const text = Buffer.from(String(raw), 'base64').toString('utf8')
  const match = /^key:(\d{0,15})$/.exec(text)
  const after = match?.[1] ? Number(match[1]) : undefined
  if (!match || encodeKey(after) !== raw) {
    throw new SwitchyardError('SY_API_VALIDATION', 'pagination.cursor is not a cursor this API returned', {
      field: 'pagination.cursor',
    })
  }
  return { count, after }
}

/** `next` is the key of the page's last item when the page is full (there may be more). */
export function keysetPaginationOutput(
  page: KeysetPageRequest,
  lastKey: number | undefined,
  itemsOnPage: number,
): Omit<PaginationOutput, 'totalEntries'> {
  return {
    current: encodeKey(page.after),
    next: itemsOnPage === page.count && lastKey !== undefined ? encodeKey(lastKey) : null,
    previous: null,
  }
}
