/**
 * Quoted SQL identifiers. Names come from user data (event names, property names after snake_casing),
 * so every one is quoted, and a name the engine cannot hold exactly is refused rather than changed
 * behind the sync's back (PostgreSQL cuts names over 63 bytes, which could merge two columns).
 */
import { WarehouseError } from './errors.ts'

export type IdentifierRole = 'schema' | 'table' | 'column'

/** `name` as a double-quoted identifier (`"a""b"` for `a"b`); throws a `naming` error if it cannot be one. */
export function quoteIdentifier(name: string, role: IdentifierRole, maxBytes: number): string {
  if (typeof name !== 'string' || name.length === 0)
    throw new WarehouseError('naming', `A ${role} name is empty.`, {
      hint: 'Every schema, table and column needs a name; this is a bug in the caller.',
    })
  if (name.includes('\0'))
    throw new WarehouseError('naming', `The ${role} name ${JSON.stringify(name)} contains a NUL character.`, {
      hint: 'Remove the NUL character from the event or property name.',
    })
  const bytes = Buffer.byteLength(name, 'utf8')
  if (bytes > maxBytes)
    throw new WarehouseError(
      'naming',
      `The ${role} name ${JSON.stringify(name)} is ${bytes} bytes long; the warehouse keeps at most ${maxBytes}.`,
      { hint: 'Shorten the event or property name, or rename it with a Protocols transformation.' },
    )
  return `"${name.replaceAll('"', '""')}"`
}

/** A string literal for SQL text (`'it''s'`), for the few places that cannot take a parameter. */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new Error('a SQL literal cannot contain NUL')
  return `'${value.replaceAll("'", "''")}'`
}
