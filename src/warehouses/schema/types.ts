/**
 * Column types (warehouse spec §2.5): Segment's five general types, inferred from a value and fixed once a
 * column exists. A later value that does not fit its column gets a best-effort cast, and is left out
 * (NULL) when no cast makes sense. Loaders map these types to engine types.
 */
import { canonicalMillis, formatTimestamp, parseTimestamp } from '../../spec/index.ts'

/** `integer` and `float` in Segment's documentation; named after the engine types they load into. */
export const COLUMN_TYPES = ['timestamp', 'bigint', 'double', 'boolean', 'varchar'] as const

export type ColumnType = (typeof COLUMN_TYPES)[number]

/**
 * `type` as the literal of this thread. A type that came from another thread (a schema posted to a
 * build thread) is a string of its own: V8 compares two literals by address, but such a copy
 * character by character, in a call (in a chunk's build, 5% of its instructions went to comparing the
 * types of a posted schema).
 */
export function internedColumnType(type: ColumnType): ColumnType {
  // Anything else is given back as it is: only the speed of comparing it is at stake.
  return COLUMN_TYPES.find((t) => t === type) ?? type
}

/** What a row holds for a column: nulls are left out of rows rather than stored. */
export type WarehouseValue = string | number | boolean

/** Segment's string column limit, in characters: longer strings are cut (§2.5, column sizing). */
export const MAX_VARCHAR_LENGTH = 512

/** Integers from here on (in absolute value) do not fit a signed 64-bit column. */
const INT64_LIMIT = 2 ** 63

/**
 * The type a value would give a new column:
 * - a boolean is `boolean`;
 * - a number is `bigint` when it is a whole number within 64 bits (JSON `1.0` is read as `1`), else `double`;
 * - a string is `timestamp` when it is an ISO-8601 date or date-time of years 0001–9999, read the way
 *   ingest reads a message's `timestamp` (zone optional, UTC when absent), else `varchar`;
 * - anything else (null, objects, non-finite numbers) has no type and makes no column.
 */
export function inferType(value: unknown): ColumnType | undefined {
  switch (typeof value) {
    case 'boolean':
      return 'boolean'
    case 'number':
      if (!Number.isFinite(value)) return undefined
      return Number.isInteger(value) && Math.abs(value) < INT64_LIMIT ? 'bigint' : 'double'
    case 'string':
      return readWarehouseTimestamp(value) === undefined ? 'varchar' : 'timestamp'
    default:
      return undefined
  }
}

/**
 * What happened to a value on its way into a column:
 * - `fit`: stored as it is (an integer in a `double` column, a timestamp's text in a `varchar` column,
 *   a timestamp written in its canonical UTC form);
 * - `cast`: converted to the column's type (`3.7` → `4` in a `bigint` column, `42` → `"42"` in a
 *   `varchar` column, `"12"` → `12` in a `bigint` column);
 * - `truncated`: a string cut to the varchar limit;
 * - `nulled`: no sensible cast (`"abc"` in a `bigint` column), the column is left NULL.
 */
export type CoerceOutcome = 'fit' | 'cast' | 'truncated' | 'nulled'

export interface Coerced {
  /** `null` when the outcome is `nulled`. */
  value: WarehouseValue | null
  outcome: CoerceOutcome
}

export interface CoerceOptions {
  /** Longest string kept in a `varchar` column, in characters; default `MAX_VARCHAR_LENGTH`. */
  maxVarcharLength?: number
}

/**
 * A value in a column's type. Casts, by column type:
 * - `varchar`: numbers and booleans as text (`42` → `"42"`, `true` → `"true"`); strings over the limit cut;
 * - `bigint`: numbers rounded half away from zero (as SQL's cast does); numeric strings read then rounded;
 *   `true`/`false` → `1`/`0`; anything else, or beyond 64 bits, is nulled;
 * - `double`: numeric strings read; `true`/`false` → `1`/`0`; anything else nulled;
 * - `boolean`: `1`/`0` and the strings `"true"`/`"false"` (any case); anything else nulled;
 * - `timestamp`: ISO-8601 strings in canonical UTC form (`2024-01-01T00:00:00.000Z`); anything else,
 *   numbers included (seconds or milliseconds cannot be told apart), nulled.
 * Values that `inferType` gives no type (null, objects) are nulled.
 */
export function coerce(value: unknown, type: ColumnType, options: CoerceOptions = {}): Coerced {
  // What `inferType` gives no type, without reading strings as timestamps (every string has a type).
  const kind = typeof value
  if (!(kind === 'string' || kind === 'boolean' || (kind === 'number' && Number.isFinite(value))))
    return NULLED
  const v = value as WarehouseValue
  switch (type) {
    case 'varchar':
      return toVarchar(v, options.maxVarcharLength ?? MAX_VARCHAR_LENGTH)
    case 'bigint':
      return toBigint(v)
    case 'double':
      return toDouble(v)
    case 'boolean':
      return toBoolean(v)
    case 'timestamp':
      return toTimestamp(v)
  }
}

/**
 * Whether `coerce(value, type)` keeps `value` exactly as it is (`fit`, the same value): most values of a
 * batch, checked without the result object. `false` means "ask `coerce`", not "does not fit".
 */
export function fitsAsIs(value: unknown, type: ColumnType, maxVarcharLength = MAX_VARCHAR_LENGTH): boolean {
  switch (type) {
    case 'varchar':
      return typeof value === 'string' && value.length <= maxVarcharLength
    case 'bigint':
      // -0 is stored as 0 by `coerce`, so it is not kept as it is.
      return (
        typeof value === 'number' &&
        Number.isInteger(value) &&
        Math.abs(value) < INT64_LIMIT &&
        !Object.is(value, -0)
      )
    case 'double':
      return typeof value === 'number' && Number.isFinite(value)
    case 'boolean':
      return typeof value === 'boolean'
    case 'timestamp':
      return typeof value === 'string' && isCanonicalTimestamp(value)
  }
}

const NULLED: Coerced = Object.freeze({ value: null, outcome: 'nulled' })
const fit = (value: WarehouseValue): Coerced => ({ value, outcome: 'fit' })
const cast = (value: WarehouseValue): Coerced => ({ value, outcome: 'cast' })

function toVarchar(value: WarehouseValue, max: number): Coerced {
  if (typeof value !== 'string') return cast(String(value))
  if (value.length <= max) return fit(value)
  // Cut by characters (code points), never inside a surrogate pair.
  const chars = Array.from(value)
  return chars.length <= max ? fit(value) : { value: chars.slice(0, max).join(''), outcome: 'truncated' }
}

function toBigint(value: WarehouseValue): Coerced {
  if (typeof value === 'boolean') return cast(value ? 1 : 0)
  const n = typeof value === 'number' ? value : readNumber(value)
  if (n === undefined) return NULLED
  const rounded = Math.sign(n) * Math.round(Math.abs(n)) || 0
  if (Math.abs(rounded) >= INT64_LIMIT) return NULLED
  return typeof value === 'number' && rounded === value ? fit(rounded) : cast(rounded)
}

function toDouble(value: WarehouseValue): Coerced {
  if (typeof value === 'number') return fit(value)
  if (typeof value === 'boolean') return cast(value ? 1 : 0)
  const n = readNumber(value)
  return n === undefined ? NULLED : cast(n)
}

function toBoolean(value: WarehouseValue): Coerced {
  if (typeof value === 'boolean') return fit(value)
  if (typeof value === 'number') return value === 1 ? cast(true) : value === 0 ? cast(false) : NULLED
  const text = value.trim().toLowerCase()
  return text === 'true' ? cast(true) : text === 'false' ? cast(false) : NULLED
}

function toTimestamp(value: WarehouseValue): Coerced {
  if (typeof value !== 'string') return NULLED
  // Already canonical (what ingest stores): it is its own canonical form.
  if (isCanonicalTimestamp(value)) return fit(value)
  const date = readWarehouseTimestamp(value)
  return date === undefined ? NULLED : fit(formatTimestamp(date))
}

/** Decimal numbers as JSON writes them, with surrounding spaces allowed: `12`, `-3.5`, `1e3`, `.5`. */
const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/

function readNumber(text: string): number | undefined {
  if (!NUMERIC.test(text)) return undefined
  const n = Number(text)
  return Number.isFinite(n) ? n : undefined
}

const YEAR_1 = Date.parse('0001-01-01T00:00:00.000Z')
const YEAR_9999_END = Date.parse('9999-12-31T23:59:59.999Z')

/**
 * `2024-01-01T00:00:00.000Z` form, a real instant from year 0001: what `formatTimestamp` writes and
 * ingest stores, read digit by digit by the spec's own reader (every timestamp of every row comes here).
 */
function isCanonicalTimestamp(text: string): boolean {
  return canonicalTimestampMillis(text) !== undefined
}

/** The instant of a timestamp `fitsAsIs` keeps as it is, in epoch milliseconds; else `undefined`. */
export function canonicalTimestampMillis(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  const millis = canonicalMillis(value)
  return millis !== undefined && millis >= YEAR_1 ? millis : undefined
}

/** An ISO-8601 string as a date, for years 0001–9999 (what every warehouse's timestamp type holds). */
function readWarehouseTimestamp(text: string): Date | undefined {
  const date = parseTimestamp(text)
  if (date === undefined) return undefined
  const t = date.getTime()
  return t >= YEAR_1 && t <= YEAR_9999_END ? date : undefined
}
