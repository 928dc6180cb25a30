/**
 * Rows → `COPY … FROM STDIN` in PostgreSQL's text format: one line per row, values separated by tabs,
 * `\N` for NULL, and backslash, newline, carriage return and tab escaped with a backslash. Text never
 * holds U+0000 in PostgreSQL, so that character is removed from varchar values.
 *
 * The loader sends rows in the binary format (`postgres-copy-binary.ts`); text is what goes to columns
 * of other types than the binary form is for, and the baseline `bench/warehouse.ts` measures against.
 */
import type { ColumnType } from '../../schema/index.ts'
import type { ColumnSpec, LoadRow } from '../loader.ts'
import { ID_COLUMN } from '../batch.ts'
import {
  readBoolean,
  readDouble,
  readInstant,
  readInt64,
  readText,
  timestampText,
  valueError,
} from '../values.ts'

export const COPY_NULL = '\\N'
const NULL = COPY_NULL
const SPECIAL = /[\\\n\r\t\0]/
const SPECIAL_ALL = /[\\\n\r\t\0]/g
const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\0': '',
}

/** A value as COPY text, or `undefined` when it does not fit the type. */
type Encoder = (value: unknown) => string | undefined

export function escapeCopyText(text: string): string {
  return SPECIAL.test(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : text
}

const ENCODERS: Readonly<Record<ColumnType, Encoder>> = {
  varchar: (v) => {
    const text = readText(v)
    return text === undefined ? undefined : escapeCopyText(text)
  },
  bigint: (v) => readInt64(v)?.toString(),
  // JS's shortest round-trip form, which float8 reads back exactly (`NaN`, `Infinity` included).
  double: (v) => {
    const n = readDouble(v)
    return n === undefined ? undefined : String(n)
  },
  boolean: (v) => {
    const b = readBoolean(v)
    return b === undefined ? undefined : b ? 't' : 'f'
  },
  timestamp: (v) => {
    const instant = readInstant(v)
    return instant === undefined ? undefined : timestampText(v, instant)
  },
}

/** Rows per chunk handed to the socket. */
const CHUNK_ROWS = 500

/**
 * COPY text for the rows, in chunks. Throws a `data` error (which aborts the COPY, so the transaction
 * rolls back) at the first value that does not fit its column.
 */
export function* copyTextChunks(
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly LoadRow[],
): Generator<string> {
  const names = columns.map((c) => c.name)
  const encoders = columns.map((c) => ENCODERS[c.type])
  let chunk = ''
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!
    let line = ''
    for (let c = 0; c < names.length; c++) {
      const value = row[names[c]!]
      let text: string | undefined
      if (value == null) text = NULL
      else {
        text = encoders[c]!(value)
        if (text === undefined) {
          const column = columns[c]!
          throw valueError(table, column.name, column.type, row[ID_COLUMN], value)
        }
      }
      line += c === 0 ? text : `\t${text}`
    }
    chunk += `${line}\n`
    if ((r + 1) % CHUNK_ROWS === 0) {
      yield chunk
      chunk = ''
    }
  }
  if (chunk !== '') yield chunk
}
