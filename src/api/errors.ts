import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError, isSwitchyardError } from '../errors/index.ts'

/** One entry of Segment's error envelope, plus our stable `code`. */
export interface RequestError {
  type: string
  code: string
  message: string
  field?: string
  data?: unknown
  status: number
}

export const errorEntry = (e: SwitchyardError): RequestError => ({
  type: e.type,
  code: e.code,
  message: e.message,
  ...(e.field !== undefined && { field: e.field }),
  ...(e.data !== undefined && { data: e.data }),
  status: e.status,
})

interface AjvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/** `/settings/apiKey` + missing `x` → `settings.apiKey.x` */
function fieldOf(err: AjvError, context: string | undefined): string {
  const segments = err.instancePath.split('/').filter(Boolean)
  if (err.keyword === 'required' && typeof err.params.missingProperty === 'string') {
    segments.push(err.params.missingProperty)
  }
  if (segments.length === 0 && context && context !== 'body') return context
  return segments.join('.') || 'body'
}

/** Turns anything a Public API handler throws into a coded error. */
export function toApiError(error: FastifyError | Error): SwitchyardError {
  if (isSwitchyardError(error)) return error
  const fe = error as FastifyError & { validation?: AjvError[]; validationContext?: string }
  if (fe.validation && fe.validation.length > 0) {
    const first = fe.validation[0]!
    const field = fieldOf(first, fe.validationContext)
    return new SwitchyardError('SY_API_VALIDATION', `${field} ${first.message ?? 'is invalid'}`, { field })
  }
  if (fe.statusCode === 413)
    return new SwitchyardError('SY_API_PAYLOAD_TOO_LARGE', 'The request body is too large')
  if (fe.statusCode === 415) {
    return new SwitchyardError(
      'SY_API_UNSUPPORTED_MEDIA_TYPE',
      `${fe.message}; send Content-Type: application/json`,
      {
        field: 'Content-Type',
      },
    )
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new SwitchyardError('SY_API_VALIDATION', fe.message, { field: 'body' })
  }
  return new SwitchyardError('SY_API_INTERNAL', 'Internal error', { cause: error })
}

export function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const apiError = toApiError(error)
  if (apiError.status >= 500) {
    request.log.error({ err: error, code: apiError.code }, 'public API request failed')
    const withId = new SwitchyardError(apiError.code, `${apiError.message} (request id ${request.id})`)
    return reply.code(withId.status).send({ errors: [errorEntry(withId)] })
  }
  return reply.code(apiError.status).send({ errors: [errorEntry(apiError)] })
}
