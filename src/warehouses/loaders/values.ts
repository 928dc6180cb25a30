/**
 * JS values → column values, the same on every engine, so that a batch one engine rejects the other
 * rejects too. Each reader returns `undefined` for a value its type cannot hold; the loader turns that
 * into a `data` error naming the table, column and row, before anything is visible.
 */
import type { ColumnType } from '../schema/index.ts'
import { WarehouseError, DEFAULT_HINTS } from './errors.ts'

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const INTEGER_TEXT = /^[+-]?\d{1,20}$/

/** A signed 64-bit integer from an integer `number`, a `bigint` or a decimal integer string. */
export function readInt64(value: unknown): bigint | undefined {
  let n: bigint
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return undefined
    n = BigInt(value)
  } else if (typeof value === 'bigint') n = value
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) n = BigInt(value)
  else return undefined
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined
}

export function readDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value
  if (typeof value === 'bigint') return Number(value)
  return undefined
}

export function readBoolean(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined
}

/** Text for a varchar column: strings as they are, numbers and booleans as JS writes them. */
export function readText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value)
    default:
      return undefined
  }
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/
/** The form `coerce` writes, which PostgreSQL reads as it is. */
const CANONICAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/
const MS_PER_DAY = 86_400_000
const MIN_MS = daysFromCivil(1, 1, 1) * MS_PER_DAY
const MAX_MS = (daysFromCivil(9999, 12, 31) + 1) * MS_PER_DAY - 1

/** An instant to the microsecond: milliseconds since the Unix epoch, plus 0–999 microseconds. */
export interface Instant {
  readonly ms: number
  readonly us: number
}

/**
 * The instant of a `Date` or an ISO-8601 string (date, or date and time with an optional fraction and
 * zone; no zone means UTC), for years 0001–9999. Digits past the microsecond are dropped.
 */
export function readInstant(value: unknown): Instant | undefined {
  let instant: Instant | undefined
  if (value instanceof Date) {
    const ms = value.getTime()
    instant = Number.isNaN(ms) ? undefined : { ms, us: 0 }
  } else if (typeof value === 'string') instant = parseIso(value.trim())
  return instant !== undefined && instant.ms >= MIN_MS && instant.ms <= MAX_MS ? instant : undefined
}

/** Microseconds since the Unix epoch (see `readInstant`). */
export function readTimestampMicros(value: unknown): bigint | undefined {
  const instant = readInstant(value)
  return instant === undefined ? undefined : BigInt(instant.ms) * 1000n + BigInt(instant.us)
}

/** `2024-05-01T12:00:00.123456Z` (`…123Z` when there are no microseconds); `value` read by `readInstant`. */
export function timestampText(value: unknown, instant: Instant): string {
  if (typeof value === 'string' && CANONICAL.test(value)) return value
  const iso = new Date(instant.ms).toISOString() // YYYY-MM-DDTHH:MM:SS.mmmZ for years 0–9999
  return instant.us === 0 ? iso : `${iso.slice(0, 23)}${String(instant.us).padStart(3, '0')}Z`
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

function parseIso(text: string): Instant | undefined {
  if (CANONICAL.test(text)) return parseCanonical(text)
  const m = ISO.exec(text)
  if (m === null) return undefined
  const [, ys, mos, ds, hs, mis, ss, fraction, zone] = m
  const y = +ys!
  const mo = +mos!
  const d = +ds!
  const h = hs === undefined ? 0 : +hs
  const mi = mis === undefined ? 0 : +mis
  const s = ss === undefined ? 0 : +ss
  if (!validDateTime(y, mo, d, h, mi, s)) return undefined
  let offsetMinutes = 0
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '')
    const oh = +digits.slice(0, 2)
    const om = digits.length > 2 ? +digits.slice(2) : 0
    if (oh > 23 || om > 59) return undefined
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om)
  }
  let ms = daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi - offsetMinutes) * 60 + s) * 1000
  let us = 0
  if (fraction !== undefined) {
    const six = fraction.length >= 6 ? fraction.slice(0, 6) : fraction.padEnd(6, '0')
    const micros = +six
    ms += Math.floor(micros / 1000)
    us = micros % 1000
  }
  return { ms, us }
}

/** `YYYY-MM-DDTHH:MM:SS.mmmZ`, read digit by digit: most timestamps come in this form. */
function parseCanonical(t: string): Instant | undefined {
  const y = digits(t, 0, 4)
  const mo = digits(t, 5, 2)
  const d = digits(t, 8, 2)
  const h = digits(t, 11, 2)
  const mi = digits(t, 14, 2)
  const s = digits(t, 17, 2)
  if (!validDateTime(y, mo, d, h, mi, s)) return undefined
  const ms = daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + digits(t, 20, 3)
  return { ms, us: 0 }
}

function digits(text: string, start: number, count: number): number {
  let n = 0
  for (let i = start; i < start + count; i++) n = n * 10 + text.charCodeAt(i) - 48
  return n
}

function validDateTime(y: number, mo: number, d: number, h: number, mi: number, s: number): boolean {
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)
  if (mo < 1 || mo > 12 || d < 1 || d > (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]!)) return false
  return h <= 23 && mi <= 59 && s <= 59
}

/** Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y
  const era = Math.floor(year / 400)
  const yoe = year - era * 400
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy
  return era * 146_097 + doe - 719_468
}

/** Whether `value` is a legal value of `type` (null and undefined are legal: NULL). */
export function fitsType(value: unknown, type: ColumnType): boolean {
  if (value == null) return true
  switch (type) {
    case 'varchar':
      return readText(value) !== undefined
    case 'bigint':
      return readInt64(value) !== undefined
    case 'double':
      return readDouble(value) !== undefined
    case 'boolean':
      return readBoolean(value) !== undefined
    case 'timestamp':
      return readTimestampMicros(value) !== undefined
  }
}

const MAX_SHOWN = 80

/** The `data` error for a value that does not fit its column. */
export function valueError(
  table: string,
  column: string,
  type: ColumnType,
  id: unknown,
  value: unknown,
): WarehouseError {
  return new WarehouseError(
    'data',
    `Table "${table}", row with id ${show(id)}: ${show(value)} is not a valid ${type} for column "${column}"; nothing of this batch was loaded.`,
    { hint: DEFAULT_HINTS.data },
  )
}

function show(value: unknown): string {
  const shown = typeof value === 'bigint' ? `${value}n` : (JSON.stringify(value) ?? String(value))
  return shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown
}
