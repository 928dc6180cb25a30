/**
 * Warehouse errors, classified as in Segment's warehouse error catalogue (warehouse spec §6), each with
 * a hint that says what to fix. Sync history shows `message` and `hint`; the sync retries only when
 * `retryable`.
 */

/**
 * - `credentials`: wrong user, password, host or database name: fix the connection settings;
 * - `network`: the connection failed or dropped: usually passes, look at firewalls if it repeats;
 * - `permissions`: the user lacks a privilege (create schema, write a table);
 * - `misconfiguration`: a setting does not match the warehouse (TLS, a file locked by another process);
 * - `transient`: the warehouse is busy (timeouts, deadlocks, too many connections): the next run loads the data;
 * - `internal`: the warehouse failed (disk full, too many columns);
 * - `naming`: an identifier the engine cannot hold as it is (too long, NUL);
 * - `data`: a value does not fit its column: the same batch fails again until the value is fixed.
 */
export type WarehouseErrorKind =
  | 'credentials'
  | 'network'
  | 'permissions'
  | 'misconfiguration'
  | 'transient'
  | 'internal'
  | 'naming'
  | 'data'

const RETRYABLE: ReadonlySet<WarehouseErrorKind> = new Set(['network', 'transient', 'internal'])

export interface WarehouseErrorOptions {
  /** What to do about it, shown beside the message. */
  hint: string
  /** The engine's error code (a PostgreSQL SQLSTATE, a Node.js `ECONNREFUSED`), when there is one. */
  code?: string
  cause?: unknown
}

export class WarehouseError extends Error {
  readonly kind: WarehouseErrorKind
  readonly hint: string
  readonly code: string | undefined
  /** Whether running the same work again later may succeed. */
  readonly retryable: boolean

  constructor(kind: WarehouseErrorKind, message: string, options: WarehouseErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'WarehouseError'
    this.kind = kind
    this.hint = options.hint
    this.code = options.code
    this.retryable = RETRYABLE.has(kind)
  }

  toJSON(): { kind: WarehouseErrorKind; message: string; hint: string; code?: string; retryable: boolean } {
    return {
      kind: this.kind,
      message: this.message,
      hint: this.hint,
      ...(this.code === undefined ? {} : { code: this.code }),
      retryable: this.retryable,
    }
  }
}

export const isWarehouseError = (e: unknown): e is WarehouseError => e instanceof WarehouseError

/** The hint for each kind when the engine's error says nothing more specific. */
export const DEFAULT_HINTS: Readonly<Record<WarehouseErrorKind, string>> = Object.freeze({
  credentials: "Check the host, database, user and password in the warehouse's connection settings.",
  network:
    'The connection to the warehouse failed or was dropped. The next sync retries; if this repeats, check that the warehouse is running and reachable from Switchyard (firewall, VPN, allowed IPs).',
  permissions:
    "Grant the warehouse user the privileges it needs: CREATE on the database, and USAGE and CREATE on Switchyard's schemas.",
  misconfiguration: 'A warehouse setting does not match the warehouse: check the connection settings.',
  transient: 'The warehouse was busy. The next sync loads this data; nothing needs to be done.',
  internal:
    'The warehouse failed while loading. The next sync retries; if this repeats, check its logs (disk space, limits on tables and columns).',
  naming:
    'Rename the event or property, or rename it with a Protocols transformation, so the name fits the warehouse.',
  data: 'A value does not fit its column. Fix the sending code or override the column type; the batch loads once the value fits.',
})

/** Wraps anything thrown as a `WarehouseError`, keeping one that already is. */
export function asWarehouseError(
  e: unknown,
  classify: (e: unknown) => WarehouseError | undefined,
): WarehouseError {
  if (e instanceof WarehouseError) return e
  const classified = classify(e)
  if (classified !== undefined) return classified
  const message = e instanceof Error ? e.message : String(e)
  return new WarehouseError('internal', message, { hint: DEFAULT_HINTS.internal, cause: e })
}
