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

/**
 * ISO-8601 in UTC with milliseconds: `2015-12-12T19:11:01.249Z`, as `toISOString` writes it.
 * Within years 0000–9999 the time of day is formatted here and the date part is reused while the
 * day stays the same (times of a request mostly share one day): a third of `toISOString`'s cost.
 */
export function formatTimestamp(date: Date): string {
  const time = date.getTime()
  if (!(time >= YEAR_0 && time <= YEAR_9999_END)) return date.toISOString()
  const day = Math.floor(time / DAY_MS)
  if (day !== lastDay.day) lastDay = { day, text: date.toISOString().slice(0, 11) }
  let rest = time - day * DAY_MS
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = Math.floor(rest / 1000)
  const millis = rest - seconds * 1000
  return `${lastDay.text}${TWO_DIGITS[hours]}:${TWO_DIGITS[minutes]}:${TWO_DIGITS[seconds]}.${THREE_DIGITS[millis]}Z`
}

const DAY_MS = 86_400_000
/** The date part (`2015-12-12T`) of the day most recently formatted. */
let lastDay = { day: Number.NaN, text: '' }
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'))
const THREE_DIGITS = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'))

/**
 * `YYYY-MM-DDTHH:MM:SS.sssZ`: what every Segment library sends and `toISOString` writes. This shape
 * is read digit by digit (a regular expression plus `Date.parse` cost three times as much); it gives
 * the instant `Date.parse` gives for every real date and time, and `undefined` for the impossible
 * ones (Feb 30, 24:00, minute or second 60), which the full parser refuses as well.
 */
export function parseCanonical(value: string): Date | undefined {
  const millis = canonicalMillis(value)
  return millis === undefined ? undefined : new Date(millis)
}

/** `parseCanonical`'s instant in epoch milliseconds, without making a `Date`. */
export function canonicalMillis(value: string): number | undefined {
  if (value.length !== 24) return undefined
  if (
    value.charCodeAt(4) !== DASH ||
    value.charCodeAt(7) !== DASH ||
    value.charCodeAt(10) !== LETTER_T ||
    value.charCodeAt(13) !== COLON ||
    value.charCodeAt(16) !== COLON ||
    value.charCodeAt(19) !== DOT ||
    value.charCodeAt(23) !== LETTER_Z
  )
    return undefined
  const year = digits(value, 0, 4)
  const month = digits(value, 5, 2)
  const day = digits(value, 8, 2)
  const hour = digits(value, 11, 2)
  const minute = digits(value, 14, 2)
  const second = digits(value, 17, 2)
  const millis = digits(value, 20, 3)
  // A non-digit makes its field NaN, which fails these comparisons.
  if (!(year >= 0 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)))
    return undefined
  if (!(hour <= 23 && minute <= 59 && second <= 59 && millis >= 0)) return undefined
  return (
    daysFromCivil(year, month, day) * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis
  )
}

const DASH = 0x2d
const COLON = 0x3a
const DOT = 0x2e
const LETTER_T = 0x54
const LETTER_Z = 0x5a

/** The decimal number in `text[start, start + count)`; NaN when a character is not a digit. */
function digits(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 0x30
    if (digit < 0 || digit > 9) return Number.NaN
    value = value * 10 + digit
  }
  return value
}

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's `days_from_civil`). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
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
