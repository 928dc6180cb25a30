/**
 * PostgreSQL and network errors → `WarehouseError`, after Segment's warehouse error catalogue (spec §6):
 * by SQLSTATE for server errors, by Node.js error code for connection failures.
 */
import { DEFAULT_HINTS, WarehouseError, type WarehouseErrorKind } from '../errors.ts'

interface Classified {
  readonly kind: WarehouseErrorKind
  readonly hint?: string
}

const TLS_HINT =
  "Check the warehouse's SSL setting: turn it off for a server without TLS, give the server's CA certificate, or accept self-signed certificates on a trusted network."

/** By exact SQLSTATE. */
const SQLSTATES: Readonly<Record<string, Classified>> = {
  '28P01': {
    kind: 'credentials',
    hint: "Check the user name and password in the warehouse's connection settings.",
  },
  '28000': {
    kind: 'credentials',
    hint: "The server refused this user: check the user name, that the role may log in (ALTER ROLE … LOGIN), and the server's pg_hba.conf (including whether it requires SSL).",
  },
  '3D000': {
    kind: 'credentials',
    hint: "The database does not exist: check the database name in the warehouse's connection settings.",
  },
  '42501': {
    kind: 'permissions',
    hint: 'Grant the warehouse user the privileges it needs: GRANT CREATE ON DATABASE <db> TO <user>, and ownership of (or ALL on) the schemas Switchyard writes.',
  },
  '3F000': {
    kind: 'permissions',
    hint: 'The schema does not exist or the user may not use it: grant USAGE and CREATE on the schema, or CREATE on the database so Switchyard can create it.',
  },
  '42601': {
    kind: 'misconfiguration',
    hint: 'The server rejected the SQL: check that the warehouse really is PostgreSQL (not Redshift or another engine connected as PostgreSQL).',
  },
  '57014': {
    kind: 'transient',
    hint: 'A query was cancelled (statement timeout or an administrator). The next sync retries.',
  },
  '53300': {
    kind: 'transient',
    hint: "The server has too many connections. Lower the warehouse's pool size, or raise max_connections.",
  },
  '54011': {
    kind: 'internal',
    hint: "A table reached PostgreSQL's limit of 1600 columns: turn off unused properties with Selective Sync.",
  },
  '53100': {
    kind: 'internal',
    hint: 'The warehouse disk is full: free space or grow the disk; the next sync loads the data.',
  },
}

/** By SQLSTATE class (the first two characters). */
const CLASSES: Readonly<Record<string, Classified>> = {
  '08': { kind: 'network' }, // connection exception
  '22': { kind: 'data' }, // data exception: a value the column type rejects
  '23': { kind: 'data' }, // integrity constraint violation (a constraint the user added)
  '40': { kind: 'transient' }, // serialization failure, deadlock
  '53': { kind: 'internal' }, // insufficient resources
  '57': { kind: 'transient' }, // operator intervention (shutdown, restart)
  '58': { kind: 'internal' }, // system error
  XX: { kind: 'internal' },
  '42': { kind: 'misconfiguration' }, // syntax error or access rule violation
}

const NODE_CODES: Readonly<Record<string, Classified>> = {
  ENOTFOUND: {
    kind: 'credentials',
    hint: "The host name does not resolve: check the host in the warehouse's connection settings.",
  },
  EAI_AGAIN: {
    kind: 'network',
    hint: 'DNS did not answer for the host name. The next sync retries; check DNS if this repeats.',
  },
  ECONNREFUSED: {
    kind: 'network',
    hint: 'Nothing accepts connections at this host and port: check the host and port, that PostgreSQL is running, and that it listens on this address.',
  },
  ETIMEDOUT: { kind: 'network' },
  ECONNRESET: { kind: 'network' },
  EPIPE: { kind: 'network' },
  EHOSTUNREACH: { kind: 'network' },
  ENETUNREACH: { kind: 'network' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { kind: 'misconfiguration', hint: TLS_HINT },
  SELF_SIGNED_CERT_IN_CHAIN: { kind: 'misconfiguration', hint: TLS_HINT },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { kind: 'misconfiguration', hint: TLS_HINT },
  CERT_HAS_EXPIRED: { kind: 'misconfiguration', hint: TLS_HINT },
  ERR_TLS_CERT_ALTNAME_INVALID: { kind: 'misconfiguration', hint: TLS_HINT },
}

const MESSAGES: readonly [RegExp, Classified][] = [
  [/does not support SSL/i, { kind: 'misconfiguration', hint: TLS_HINT }],
  [/timeout expired|connection timeout|Connection terminated/i, { kind: 'network' }],
]

/** Classifies `e`; `location` (`host:port/db`) prefixes connection failures. */
export function classifyPostgresError(e: unknown, location: string): WarehouseError | undefined {
  if (!(e instanceof Error)) return undefined
  const code = errorCode(e)
  // SQLSTATEs are five digits or capitals; Node.js codes start with E (EPIPE) or are longer.
  const isSqlState = code !== undefined && /^[0-9A-DF-Z][0-9A-Z]{4}$/.test(code)
  let found: Classified | undefined
  if (isSqlState) found = SQLSTATES[code] ?? CLASSES[code.slice(0, 2)]
  else if (code !== undefined) found = NODE_CODES[code]
  found ??= MESSAGES.find(([test]) => test.test(e.message))?.[1]
  if (found === undefined) return undefined
  const raw = e.message || (e instanceof AggregateError ? e.errors.map(String).join('; ') : String(code))
  const message = isSqlState ? `${raw} (SQLSTATE ${code})` : `PostgreSQL at ${location}: ${raw}`
  return new WarehouseError(found.kind, message, {
    hint: found.hint ?? DEFAULT_HINTS[found.kind],
    ...(code === undefined ? {} : { code }),
    cause: e,
  })
}

function errorCode(e: Error): string | undefined {
  const code = (e as { code?: unknown }).code
  if (typeof code === 'string') return code
  if (e instanceof AggregateError)
    for (const inner of e.errors) if (inner instanceof Error) return errorCode(inner)
  return undefined
}
