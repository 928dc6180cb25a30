/**
 * ISO-8601 timestamps as clients send them, and Segment's clock-skew correction (Spec §2.1).
 * Parsing is done here rather than by `Date.parse`, whose handling of non-standard strings varies and
 * which reads a time without a zone as local time.
 */

// date, then optional time (T or space), fraction (any digits) and zone (Z, ±HH, ±HHMM, ±HH:MM).
// Month and day may have one digit: Segment's own HTTP API example sends "2015-2-02T00:30:08.276Z".
const ISO_8601 =
  /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2})?)?$/

/**
 * Reads an ISO-8601 date or date-time into a `Date`. A value without a zone is UTC; fractions finer than a
 * millisecond are truncated. Anything else (numbers, other formats, impossible dates such as Feb 30, a
 * string over 64 characters) gives `undefined`.
 */
export function parseTimestamp(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined
  const canonical = parseCanonical(value)
  if (canonical) return canonical
  const match = ISO_8601.exec(value.trim())
  if (!match) return undefined
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', , sign, offH = '0', offM = '0'] = match
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ]
  const millis = Number(fraction.slice(0, 3).padEnd(3, '0'))
  if (hour > 23 || minute > 59 || second > 59 || Number(offH) > 23 || Number(offM) > 59) return undefined
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  // Date rolls Feb 30 over to Mar 2; a rolled-over date was not a real one.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return undefined
  }
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offH) * 60 + Number(offM))
  return new Date(date.getTime() - offsetMinutes * 60_000)
}

/** ISO-8601 in UTC with milliseconds: `2015-12-12T19:11:01.249Z`. */
export const formatTimestamp = (date: Date): string => date.toISOString()

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ`: what every Segment library sends and `toISOString` writes. For this
 * shape `Date.parse` gives the same instant as the full parser, at a fraction of its cost, except
 * that it rolls impossible days over (Feb 30 → Mar 2, 24:00 → the next day): comparing the day
 * of month catches both.
 */
const CANONICAL = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/

function parseCanonical(value: string): Date | undefined {
  if (value.length !== 24 || !CANONICAL.test(value)) return undefined
  const date = new Date(Date.parse(value))
  if (Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(value.slice(8, 10))) return undefined
  return date
}

export interface ReadTimestamp {
  date: Date
  /** Canonical ISO-8601 text: the input itself when it already was, else formatted from `date`. */
  text: string
}

/** `parseTimestamp` plus the canonical text, without formatting again what is already canonical. */
export function readTimestamp(value: unknown): ReadTimestamp | undefined {
  if (typeof value === 'string') {
    const canonical = parseCanonical(value)
    if (canonical) return { date: canonical, text: value }
  }
  const date = parseTimestamp(value)
  return date && { date, text: formatTimestamp(date) }
}

/**
 * When the event happened, by Segment's formula `timestamp = receivedAt − (sentAt − originalTimestamp)`:
 * the difference between the client's `sentAt` and the server's `receivedAt` is the client's clock skew
 * (the request is assumed to take no time), and it is applied to the client's event time.
 * Without `sentAt` the client's time is taken as it is (a historical import over the HTTP API); without a
 * client time the event happened when it was received.
 */
export function correctedTimestamp(times: {
  receivedAt: Date
  sentAt?: Date
  originalTimestamp?: Date
}): Date {
  const { receivedAt, sentAt, originalTimestamp } = times
  if (originalTimestamp === undefined) return receivedAt
  if (sentAt === undefined) return originalTimestamp
  const corrected = new Date(receivedAt.getTime() - (sentAt.getTime() - originalTimestamp.getTime()))
  // Absurd client clocks can push the result out of ISO-8601's four-digit years ("+012026-…").
  return inIsoRange(corrected) ? corrected : inIsoRange(originalTimestamp) ? originalTimestamp : receivedAt
}

const YEAR_0 = new Date('0000-01-01T00:00:00.000Z').getTime()
const YEAR_9999_END = new Date('9999-12-31T23:59:59.999Z').getTime()

/** Whether the instant formats as a four-digit-year ISO-8601 string. */
const inIsoRange = (date: Date): boolean => {
  const t = date.getTime()
  return !Number.isNaN(t) && t >= YEAR_0 && t <= YEAR_9999_END
}
