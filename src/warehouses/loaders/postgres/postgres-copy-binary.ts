/**
 * Rows → `COPY … FROM STDIN (FORMAT binary)`. Each row is a 16-bit count of fields, then per field a
 * 32-bit length (-1 for NULL) and the value in the type's binary form: UTF-8 bytes for text, a
 * big-endian 64-bit integer for bigint, an IEEE double for double precision, one byte for boolean,
 * and microseconds since 2000-01-01 UTC as a 64-bit integer for timestamptz (and timestamp). The
 * server parses none of it (no text to split, no digits or dates to read): for the same rows it uses
 * about half the CPU of a text COPY (docs/performance.md).
 *
 * The binary form must match the column's actual type, where text is read by whatever type the column
 * has. So rows go in binary only into columns of exactly the types below (`BINARY_TYPE_OIDS`); a table
 * changed by hand (an `integer` or `numeric` column, say) gets the same rows as COPY text
 * (`copyRowsAsText`). Text never holds U+0000 in PostgreSQL: that character is removed, as in COPY
 * text.
 *
 * Rows are written without the format's header and trailer (`COPY_BINARY_HEADER`,
 * `COPY_BINARY_TRAILER`), so that a batch's rows can be filtered and sent in pieces.
 */
import type { ColumnType } from '../../schema/index.ts'
import type { ColumnSpec, LoadRow } from '../loader.ts'
import { ID_COLUMN } from '../batch.ts'
import { readBoolean, readDouble, readInstant, readInt64, readText, valueError } from '../values.ts'
import { COPY_NULL, escapeCopyText } from './postgres-copy.ts'

/** `PGCOPY\n\377\r\n\0`, then 32-bit flags (0: no OIDs) and a 32-bit header extension length (0). */
export const COPY_BINARY_HEADER: Uint8Array = Buffer.concat([
  Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'),
  Buffer.alloc(8),
])
/** A field count of -1. */
export const COPY_BINARY_TRAILER: Uint8Array = Buffer.from([0xff, 0xff])

/**
 * The PostgreSQL types (`pg_type` OIDs, fixed for built-in types) whose binary form is the one written
 * here for each column type.
 */
export const BINARY_TYPE_OIDS: Readonly<Record<ColumnType, readonly number[]>> = Object.freeze({
  varchar: [25, 1043], // text, character varying
  bigint: [20], // bigint
  double: [701], // double precision
  boolean: [16], // boolean
  timestamp: [1184, 1114], // timestamp with (and without) time zone
})

/** Placeholders (any ASCII but NUL) for what `values` fills in. */
const FIELD_COUNT_PLACE = '..'
const LENGTH_PLACE = '....'
const BOOLEAN_PLACE = '.....'
const EIGHT_BYTE_PLACE = '............'

const TWO_32 = 2 ** 32
const EPOCH_2000_MS = Date.UTC(2000, 0, 1)
const NULL_LENGTH = -1

/**
 * Binary COPY rows appended to a buffer that grows by doubling, its own (never pooled, so that it can be
 * transferred to another thread).
 */
export class CopyRowWriter {
  bytes: Buffer
  view: DataView
  length = 0

  constructor(initialBytes = 64 * 1024) {
    this.bytes = Buffer.allocUnsafeSlow(initialBytes)
    this.view = new DataView(this.bytes.buffer, 0, this.bytes.length)
  }

  /**
   * A row of `values` (`undefined`: NULL) already in their `columns`' types (see `value`). Its text is
   * written in one go: the row as one string, with a placeholder for each field's length and for each
   * value that is not text, is written as UTF-8, then the placeholders are filled in. That holds when
   * the string is ASCII without NUL (its UTF-8 bytes are its characters); else the row is written
   * value by value.
   */
  values(values: readonly (string | number | boolean | undefined)[], columns: readonly ColumnSpec[]): void {
    const width = values.length
    let text = FIELD_COUNT_PLACE
    for (let i = 0; i < width; i++) {
      const value = values[i]
      if (value === undefined) text += LENGTH_PLACE
      else if (columns[i]!.type === 'varchar') {
        // Appended one after the other: `a + b` would make a string of its own first.
        text += LENGTH_PLACE
        text += value as string
      } else text += columns[i]!.type === 'boolean' ? BOOLEAN_PLACE : EIGHT_BYTE_PLACE
    }
    this.reserve(text.length * 3)
    const start = this.length
    if (this.bytes.write(text, start, 'utf8') !== text.length || text.includes('\0')) {
      this.row(width)
      for (let i = 0; i < width; i++) {
        const value = values[i]
        if (value === undefined) this.null()
        else this.value(value, columns[i]!.type)
      }
      return
    }
    const view = this.view
    view.setInt16(start, width)
    this.length = start + 2
    for (let i = 0; i < width; i++) {
      const value = values[i]
      if (value === undefined) view.setInt32(this.length, NULL_LENGTH)
      else if (columns[i]!.type === 'varchar') {
        const length = (value as string).length
        view.setInt32(this.length, length)
        this.length += length
      } else {
        // Over its placeholder.
        this.value(value, columns[i]!.type)
        continue
      }
      this.length += 4
    }
  }

  /** Starts a row of `fields` values. */
  row(fields: number): void {
    this.reserve(2)
    this.view.setInt16(this.length, fields)
    this.length += 2
  }

  null(): void {
    this.reserve(4)
    this.view.setInt32(this.length, NULL_LENGTH)
    this.length += 4
  }

  /**
   * A value already in its column's type, as `coerce` (`../../schema`) leaves it, except that a timestamp
   * is its instant in epoch milliseconds.
   */
  value(value: string | number | boolean, type: ColumnType): void {
    switch (type) {
      case 'varchar':
        return this.text(value as string)
      case 'bigint':
        return this.bigint(value as number)
      case 'double':
        return this.double(value as number)
      case 'boolean':
        return this.boolean(value as boolean)
      case 'timestamp':
        return this.timestamp(value as number, 0)
    }
  }

  /** UTF-8, U+0000 removed. */
  text(value: string): void {
    const n = value.length
    this.reserve(4 + n * 3)
    const bytes = this.bytes
    const start = this.length + 4
    let at = start
    let i = 0
    // Mostly ASCII: byte by byte, until a character that is not (or is NUL).
    for (; i < n; i++) {
      const c = value.charCodeAt(i)
      if (c >= 0x80 || c === 0) break
      bytes[at++] = c
    }
    if (i < n) {
      const rest = i === 0 ? value : value.slice(i)
      at += bytes.write(rest.includes('\0') ? rest.replaceAll('\0', '') : rest, at, 'utf8')
    }
    this.view.setInt32(this.length, at - start)
    this.length = at
  }

  /** A whole number within 64 bits (exact past 2^53, where every double is a whole number). */
  bigint(value: number): void {
    this.reserve(12)
    const hi = Math.floor(value / TWO_32)
    this.#int64(hi, value - hi * TWO_32)
  }

  /** `bigint` from a `bigint`. */
  int64(value: bigint): void {
    this.reserve(12)
    this.view.setInt32(this.length, 8)
    this.view.setBigInt64(this.length + 4, value)
    this.length += 12
  }

  double(value: number): void {
    this.reserve(12)
    const { view, length } = this
    view.setInt32(length, 8)
    // -0 as 0, as COPY text writes it.
    view.setFloat64(length + 4, value === 0 ? 0 : value)
    this.length += 12
  }

  boolean(value: boolean): void {
    this.reserve(5)
    this.view.setInt32(this.length, 1)
    this.bytes[this.length + 4] = value ? 1 : 0
    this.length += 5
  }

  /** The instant `ms` (since the Unix epoch) plus `us` microseconds. */
  timestamp(ms: number, us: number): void {
    this.reserve(12)
    // Microseconds since 2000 pass 2^53: the 64 bits are computed in two halves, exactly.
    const since = ms - EPOCH_2000_MS
    const hi = Math.floor(since / TWO_32)
    const low = (since - hi * TWO_32) * 1000 + us
    const carry = Math.floor(low / TWO_32)
    this.#int64(hi * 1000 + carry, low - carry * TWO_32)
  }

  reserve(more: number): void {
    if (this.length + more <= this.bytes.length) return
    const grown = Buffer.allocUnsafeSlow(Math.max(this.bytes.length * 2, this.length + more))
    this.bytes.copy(grown, 0, 0, this.length)
    this.bytes = grown
    this.view = new DataView(grown.buffer, 0, grown.length)
  }

  /** The rows so far (a view, not a copy). */
  rows(): Uint8Array {
    return new Uint8Array(this.bytes.buffer, 0, this.length)
  }

  #int64(hi: number, lo: number): void {
    const { view, length } = this
    view.setInt32(length, 8)
    view.setInt32(length + 4, hi)
    view.setUint32(length + 8, lo)
    this.length += 12
  }
}

/** Writes a value of any JS type the column type takes; false when it does not fit. */
type Encoder = (writer: CopyRowWriter, value: unknown) => boolean

/** An encoder from a reader (`../values.ts`: `undefined` for a value the type cannot hold) and a write. */
const encoder =
  <T>(read: (value: unknown) => T | undefined, write: (writer: CopyRowWriter, value: T) => void): Encoder =>
  (writer, value) => {
    const fitting = read(value)
    if (fitting === undefined) return false
    write(writer, fitting)
    return true
  }

const ENCODERS: Readonly<Record<ColumnType, Encoder>> = {
  varchar: encoder(readText, (w, text) => w.text(text)),
  bigint: encoder(readInt64, (w, n) => w.int64(n)),
  double: encoder(readDouble, (w, n) => w.double(n)),
  boolean: encoder(readBoolean, (w, b) => w.boolean(b)),
  timestamp: encoder(readInstant, (w, instant) => w.timestamp(instant.ms, instant.us)),
}

/** Rows per chunk handed to the socket. */
const CHUNK_ROWS = 500

/**
 * Binary COPY rows for `rows`, in chunks. Throws a `data` error (which aborts the COPY, so the
 * transaction rolls back) at the first value that does not fit its column.
 */
export function* copyBinaryChunks(
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly LoadRow[],
): Generator<Uint8Array> {
  const names = columns.map((c) => c.name)
  const encoders = columns.map((c) => ENCODERS[c.type])
  let writer = new CopyRowWriter()
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    writer.row(names.length)
    for (let c = 0; c < names.length; c++) {
      const value = row[names[c]!]
      if (value == null) writer.null()
      else if (!encoders[c]!(writer, value)) {
        const column = columns[c]!
        throw valueError(table, column.name, column.type, row[ID_COLUMN], value)
      }
    }
    if ((r + 1) % CHUNK_ROWS === 0) {
      yield writer.rows()
      writer = new CopyRowWriter()
    }
  }
  if (writer.length > 0) yield writer.rows()
}

/**
 * Walks binary COPY rows: `field` for each value (its index in the row, where its bytes start, and
 * its length, -1 for NULL), `rowEnd` where each row ends.
 */
function walkRows(
  rows: Uint8Array,
  field: (index: number, at: number, length: number) => void,
  rowEnd: (end: number) => void,
): void {
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength)
  let at = 0
  while (at < rows.byteLength) {
    const fields = view.getInt16(at)
    at += 2
    for (let f = 0; f < fields; f++) {
      const length = view.getInt32(at)
      at += 4
      field(f, at, length)
      at += Math.max(0, length)
    }
    rowEnd(at)
  }
}

/** Where each row of `rows` (binary COPY rows) ends. */
export function copyRowEnds(rows: Uint8Array): number[] {
  const ends: number[] = []
  walkRows(
    rows,
    () => {},
    (end) => ends.push(end),
  )
  return ends
}

/** The same rows in COPY's text format, for a table whose columns do not all take the binary form. */
export function copyRowsAsText(rows: Uint8Array, columns: readonly ColumnSpec[]): string {
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength)
  const bytes = Buffer.from(rows.buffer, rows.byteOffset, rows.byteLength)
  let text = ''
  walkRows(
    rows,
    (f, at, length) => {
      if (f > 0) text += '\t'
      text += length < 0 ? COPY_NULL : fieldText(columns[f]!.type, view, bytes, at, length)
    },
    () => (text += '\n'),
  )
  return text
}

function fieldText(type: ColumnType, view: DataView, bytes: Buffer, at: number, length: number): string {
  switch (type) {
    case 'varchar':
      return escapeCopyText(bytes.toString('utf8', at, at + length))
    case 'bigint':
      return view.getBigInt64(at).toString()
    case 'double':
      return String(view.getFloat64(at))
    case 'boolean':
      return bytes[at] === 1 ? 't' : 'f'
    case 'timestamp': {
      const micros = view.getBigInt64(at)
      let ms = micros / 1000n
      let us = Number(micros % 1000n)
      if (us < 0) {
        ms -= 1n
        us += 1000
      }
      const iso = new Date(Number(ms) + EPOCH_2000_MS).toISOString()
      return us === 0 ? iso : `${iso.slice(0, 23)}${String(us).padStart(3, '0')}Z`
    }
  }
}
