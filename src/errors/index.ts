import { ERROR_CODES, type ErrorCode } from './codes.ts'

export { ERROR_CODES, type ErrorCode, type ErrorCodeSpec } from './codes.ts'

export interface SwitchyardErrorOptions {
  /** The request field the error is about, as a dotted path (`pagination.count`, `slug`). */
  field?: string
  /** Extra machine-readable detail (Segment puts rate-limit numbers here). */
  data?: unknown
  cause?: unknown
}

/** An error with a stable code; its HTTP status and Segment error type come from the registry. */
export class SwitchyardError extends Error {
  readonly code: ErrorCode
  readonly status: number
  readonly type: string
  readonly field: string | undefined
  readonly data: unknown

  constructor(code: ErrorCode, message: string, options: SwitchyardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SwitchyardError'
    this.code = code
    this.status = ERROR_CODES[code].status
    this.type = ERROR_CODES[code].type
    this.field = options.field
    this.data = options.data
  }
}

export const isSwitchyardError = (e: unknown): e is SwitchyardError => e instanceof SwitchyardError
