import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { errorEntry } from '../errors.ts'

/** Longest `delay` the echo honours, so it can't hold connections open indefinitely. */
const MAX_ECHO_DELAY_MS = 5000
const HIDDEN_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization'])

interface EchoQuery {
  message: string
  delay?: number
  triggerError?: boolean
  triggerMultipleErrors?: boolean
  triggerUnexpectedError?: boolean
  statusCode?: number
}

const querystring = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string' },
    delay: { type: 'integer', minimum: 0, maximum: MAX_ECHO_DELAY_MS },
    triggerError: { type: 'boolean' },
    triggerMultipleErrors: { type: 'boolean' },
    triggerUnexpectedError: { type: 'boolean' },
    statusCode: { type: 'integer', minimum: 200, maximum: 599 },
  },
} as const

/**
 * `GET|POST /echo`: Segment's testing operation. Answers with the message, method and request
 * headers (credentials removed), and can fail on purpose so clients can test error handling.
 */
export const echoRoutes: FastifyPluginAsync = async (app) => {
  const handler = async (request: FastifyRequest<{ Querystring: EchoQuery }>, reply: FastifyReply) => {
    const q = request.query
    if (q.delay) await sleep(q.delay)
    if (q.triggerUnexpectedError) throw new Error('Unexpected error requested by triggerUnexpectedError')
    if (q.triggerMultipleErrors) {
      const errors = ['first', 'second'].map((n) =>
        errorEntry(
          new SwitchyardError('SY_API_TEST_ERROR', `The ${n} error requested by triggerMultipleErrors`),
        ),
      )
      return reply.code(400).send({ errors })
    }
    if (q.triggerError) {
      throw new SwitchyardError('SY_API_TEST_ERROR', 'The error requested by triggerError', {
        field: 'triggerError',
      })
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).filter(([k]) => !HIDDEN_HEADERS.has(k)),
    )
    const method = request.method.toLowerCase()
    const data = { method, message: q.message, headers }
    if (q.statusCode !== undefined && q.statusCode >= 300) {
      const error = new SwitchyardError('SY_API_TEST_ERROR', `Status ${q.statusCode} requested by statusCode`)
      return reply.code(q.statusCode).send({ errors: [{ ...errorEntry(error), status: q.statusCode }] })
    }
    return reply.code(q.statusCode ?? 200).send({ data })
  }
  app.get(
    '/echo',
    { schema: { querystring }, config: { operation: 'echo', permission: 'authenticated' } },
    handler,
  )
  app.post(
    '/echo',
    { schema: { querystring }, config: { operation: 'echo', permission: 'authenticated' } },
    handler,
  )
}
