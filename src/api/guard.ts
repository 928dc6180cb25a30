import type { FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import { isGranted, type Principal } from './principal.ts'
import type { RateLimiter } from './rate-limit.ts'
import { ALL_VERSIONS, negotiateVersion } from './versioning.ts'

export interface GuardOptions {
  store: Store
  limiter: RateLimiter
  now: () => number
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/**
 * Runs before every Public API operation, in this order:
 * 1. version negotiation from `Accept` (406 when nothing we serve is acceptable);
 * 2. bearer-token authentication;
 * 3. rate limiting, per token, or per address when authentication failed (so guessing tokens is
 *    throttled too), with Segment's `X-RateLimit-*` headers on every answer;
 * 4. 401 when authentication failed;
 * 5. the route's permission (403 with the reason).
 */
export function createGuard(options: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config
    const negotiated = negotiateVersion(request.headers.accept, config.versions ?? ALL_VERSIONS)
    request.apiVersion = negotiated.version
    reply.type(negotiated.contentType)

    const authFailure = await authenticate(request, options.store)

    const verdict = options.limiter.take(
      request.principal ? `token:${request.principal.id}` : `ip:${request.ip}`,
      options.now(),
    )
    reply.header('X-RateLimit-Limit', verdict.limit)
    reply.header('X-RateLimit-Consumed', verdict.consumed)
    reply.header('X-RateLimit-Remaining', verdict.remaining)
    reply.header('X-RateLimit-Reset', new Date(verdict.resetAt).toUTCString())
    if (!verdict.allowed) {
      reply.header('Retry-After', Math.ceil(verdict.msBeforeNext / 1000))
      throw new SwitchyardError(
        'SY_API_RATE_LIMITED',
        `Rate limit of ${verdict.limit} requests per minute reached; retry in ${verdict.msBeforeNext} ms`,
        {
          data: { msBeforeNext: verdict.msBeforeNext, remainingPoints: 0, consumedPoints: verdict.consumed },
        },
      )
    }
    if (authFailure) throw authFailure

    const permission = config.permission
    if (permission && !isGranted(request.principal, permission)) {
      throw new SwitchyardError(
        'SY_API_FORBIDDEN',
        `${request.principal.kind === 'token' ? 'This token' : 'This user'} (${request.principal.role}) lacks the ${permission} permission needed for ${config.operation ?? 'this operation'}`,
        { data: { permission } },
      )
    }
  }
}

async function authenticate(request: FastifyRequest, store: Store): Promise<SwitchyardError | undefined> {
  const header = request.headers.authorization
  if (!header) {
    return new SwitchyardError(
      'SY_API_AUTH_MISSING',
      'Send the API token as "Authorization: Bearer <token>"',
      {
        field: 'Authorization',
      },
    )
  }
  const secret = BEARER.exec(header)?.[1]
  const token = secret ? await store.tokens.authenticate(secret) : undefined
  if (!token) {
    return new SwitchyardError(
      'SY_API_AUTH_INVALID',
      'The API token is not valid: unknown, malformed or revoked',
      {
        field: 'Authorization',
      },
    )
  }
  const principal: Principal = {
    kind: 'token',
    id: token.id,
    name: token.description,
    workspaceId: token.workspaceId,
    role: token.role,
  }
  request.principal = principal
  return undefined
}
