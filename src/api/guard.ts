import type { FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Store } from '../store/index.ts'
import { checkNamedResources, requirePermission, requireUnrestricted } from './access.ts'
import { tokenPrincipal, type Principal } from './principal.ts'
import type { RateLimiter, RateLimitVerdict } from './rate-limit.ts'
import {
  authenticateSession,
  clearSessionCookie,
  DEFAULT_WEB_SESSIONS,
  sessionSecretOf,
  type WebSessionOptions,
} from './sessions.ts'
import { ALL_VERSIONS, negotiateVersion } from './versioning.ts'

export interface GuardOptions {
  store: Store
  limiter: RateLimiter
  now: () => number
  /** Web sessions (cookie authentication); defaults when not given. */
  sessions?: WebSessionOptions
}

const BEARER = /^Bearer\s+(\S+)\s*$/i

/**
 * Runs before every Public API operation, in this order:
 * 1. version negotiation from `Accept` (406 when nothing we serve is acceptable);
 * 2. an address whose failed authentications used up its bucket is refused (429) before any
 *    token lookup, so guessing tokens costs the guesser, not the database;
 * 3. authentication: the bearer token, or else the web session cookie (`sessions.ts`), whose
 *    state-changing requests must also carry the session's CSRF token; routes marked `public`
 *    (logging in) skip this and the permission check, and are rate-limited per address;
 * 4. rate limiting: per token, or per address when authentication failed; Segment's
 *    `X-RateLimit-*` headers on every answer;
 * 5. 401 when authentication failed;
 * 6. the route's permission (403 with the reason): held on something, on all resources for
 *    operations marked `wholeWorkspace`, and on each source, destination or warehouse the request
 *    names (`access.ts`).
 */
export function createGuard(options: GuardOptions) {
  return async function guard(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const config = request.routeOptions.config
    if (!config.eventStream)
      reply.type(negotiateVersion(request.headers.accept, config.versions ?? ALL_VERSIONS).contentType)

    const addressKey = `ip:${request.ip}`
    const addressBucket = options.limiter.check(addressKey, options.now())
    if (!addressBucket.allowed) refuse(reply, addressBucket)

    if (config.permission === 'public') {
      const verdict = options.limiter.take(addressKey, options.now())
      if (!verdict.allowed) refuse(reply, verdict)
      setRateLimitHeaders(reply, verdict)
      return
    }

    const sessions = options.sessions ?? DEFAULT_WEB_SESSIONS
    const principal = await authenticate(request, options.store, sessions, config.eventStream === true)
    const verdict = options.limiter.take(
      principal instanceof SwitchyardError ? addressKey : `${principal.kind}:${principal.id}`,
      options.now(),
    )
    if (!verdict.allowed) refuse(reply, verdict)
    setRateLimitHeaders(reply, verdict)
    if (principal instanceof SwitchyardError) {
      if (principal.code === 'SY_API_SESSION_INVALID') clearSessionCookie(request, reply, sessions)
      throw principal
    }
    request.principal = principal

    // Every route declares a permission (checked at registration); only the 404 handler has none.
    const permission = config.permission ?? 'authenticated'
    if (permission === 'authenticated') return
    const operation = config.operation ?? 'this operation'
    if (config.wholeWorkspace) requireUnrestricted(principal, permission, operation)
    else requirePermission(principal, permission, operation)
    await checkNamedResources(request, options.store, principal, permission, operation)
  }
}

function setRateLimitHeaders(reply: FastifyReply, verdict: RateLimitVerdict): void {
  reply.header('X-RateLimit-Limit', verdict.limit)
  reply.header('X-RateLimit-Consumed', verdict.consumed)
  reply.header('X-RateLimit-Remaining', verdict.remaining)
  reply.header('X-RateLimit-Reset', new Date(verdict.resetAt).toUTCString())
}

function refuse(reply: FastifyReply, verdict: RateLimitVerdict): never {
  setRateLimitHeaders(reply, verdict)
  reply.header('Retry-After', Math.max(1, Math.ceil(verdict.msBeforeNext / 1000)))
  throw new SwitchyardError(
    'SY_API_RATE_LIMITED',
    `Rate limit of ${verdict.limit} requests per minute reached; retry in ${verdict.msBeforeNext} ms`,
    { data: { msBeforeNext: verdict.msBeforeNext, remainingPoints: 0, consumedPoints: verdict.consumed } },
  )
}

/** The principal behind the request's bearer token or session cookie, or the 401 (403) to answer. */
async function authenticate(
  request: FastifyRequest,
  store: Store,
  sessions: WebSessionOptions,
  tokenInQuery = false,
): Promise<Principal | SwitchyardError> {
  const queryToken = tokenInQuery ? (request.query as { token?: unknown } | undefined)?.token : undefined
  const header =
    request.headers.authorization ?? (typeof queryToken === 'string' ? `Bearer ${queryToken}` : undefined)
  const sessionSecret = header ? undefined : sessionSecretOf(request)
  if (sessionSecret !== undefined) {
    const result = await authenticateSession(request, store, sessions, sessionSecret)
    if (result instanceof SwitchyardError) return result
    request.webSession = result.session
    return result.principal
  }
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
  return tokenPrincipal(store, token)
}
