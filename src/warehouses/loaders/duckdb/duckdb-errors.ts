/**
 * DuckDB errors → `WarehouseError`. DuckDB reports errors as text that starts with a class
 * (`IO Error: …`, `Conversion Error: …`); there are no codes.
 */
import { DEFAULT_HINTS, WarehouseError, type WarehouseErrorKind } from '../errors.ts'

interface Rule {
  readonly test: RegExp
  readonly kind: WarehouseErrorKind
  readonly hint?: string
}

const RULES: readonly Rule[] = [
  {
    test: /Could not set lock on file|Conflicting lock is held/,
    kind: 'misconfiguration',
    hint: 'Another process has this DuckDB file open, and DuckDB allows one process per file. Stop it (a DuckDB shell, another Switchyard), or give the warehouse a file of its own.',
  },
  {
    test: /Permission denied|Read-only file system/i,
    kind: 'permissions',
    hint: 'Let the Switchyard process read and write the DuckDB file and its directory.',
  },
  {
    test: /Cannot open file|No such file or directory|not a directory|Cannot open database/i,
    kind: 'misconfiguration',
    hint: "Check the warehouse's file path: its directory must exist and be writable.",
  },
  { test: /^(Conversion|Out of Range|Constraint|Invalid Input) Error/, kind: 'data' },
  { test: /^(Catalog|Binder|Parser) Error/, kind: 'misconfiguration', hint: DEFAULT_HINTS.misconfiguration },
  {
    test: /^(TransactionContext Error|Interrupt Error)|[Cc]onflict/,
    kind: 'transient',
  },
  {
    test: /^Out of Memory Error|No space left on device/,
    kind: 'internal',
    hint: "DuckDB ran out of memory or disk: free disk space, or set the warehouse's memory_limit.",
  },
]

export function classifyDuckDBError(e: unknown): WarehouseError | undefined {
  if (!(e instanceof Error)) return undefined
  const rule = RULES.find((r) => r.test.test(e.message))
  if (rule === undefined) return undefined
  return new WarehouseError(rule.kind, e.message.split('\n')[0]!, {
    hint: rule.hint ?? DEFAULT_HINTS[rule.kind],
    cause: e,
  })
}
