import type { FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../errors/index.ts'
import type { Store, WebSession } from '../store/index.ts'
import { parseCookies, serializeCookie } from './cookies.ts'
import { needsCsrfToken, verifyCsrfToken } from './csrf.ts'
import { userPrincipal, type Principal } from './principal.ts'

/** The cookie that carries a web session's secret. */
export const SESSION_COOKIE = 'sy_session'
/** The header a cookie-authenticated state-changing request carries its CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token'

/** How web sessions behave; defaults in `DEFAULT_WEB_SESSIONS`, settings in `src/config/settings.ts`. */
export interface WebSessionOptions {
  /** Absolute lifetime of a session. */
  lifetimeMs: number
  /** A session unused this long ends; 0: no idle timeout. */
  idleMs: number
  /** `auto`: `Secure` when the request came over HTTPS; `always`: every time. */
  secureCookie: 'auto' | 'always'
  /** Failed logins in a row that lock an account (an address: five times as many). */
  lockoutAttempts: number
  lockoutMs: number
  /** Wait after the third failure in a row, doubling with each further one. */
  loginDelayMs: number
}

export const DEFAULT_WEB_SESSIONS: WebSessionOptions = Object.freeze({
  lifetimeMs: 12 * 3600_000,
  idleMs: 120 * 60_000,
  secureCookie: 'auto',
  lockoutAttempts: 10,
  lockoutMs: 15 * 60_000,
  loginDelayMs: 1000,
})

/** A cookie-authenticated request's session and the cookie secret (to sign CSRF tokens with). */
export interface AuthenticatedSession {
  session: WebSession
  secret: string
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard when the request was authenticated by the session cookie. */
    webSession: AuthenticatedSession | null
  }
}

export const sessionSecretOf = (request: FastifyRequest): string | undefined =>
  parseCookies(request.headers.cookie).get(SESSION_COOKIE) || undefined

const isSecure = (request: FastifyRequest, options: WebSessionOptions) =>
  options.secureCookie === 'always' || request.protocol === 'https'

/** Sets the session cookie: HttpOnly, SameSite=Lax, Path=/, Secure over HTTPS or when configured. */
export function setSessionCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  options: WebSessionOptions,
  secret: string,
): void {
  reply.header(
    'set-cookie',
    serializeCookie(SESSION_COOKIE, secret, {
      maxAge: options.lifetimeMs / 1000,
      path: '/',
      httpOnly: true,
      secure: isSecure(request, options),
      sameSite: 'Lax',
    }),
  )
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, options: WebSessionOptions) {
  reply.header(
    'set-cookie',
    serializeCookie(SESSION_COOKIE, '', {
      maxAge: 0,
      path: '/',
      httpOnly: true,
      secure: isSecure(request, options),
      sameSite: 'Lax',
    }),
  )
}

const sessionInvalid = () =>
  new SwitchyardError(
    'SY_API_SESSION_INVALID',
    'The session has ended (logged out or expired): log in again',
    {
      field: 'Cookie',
    },
  )

/**
 * The user behind the request's session cookie, as a principal in the session's workspace, or the
 * error to answer: 401 when the session is unknown, expired, idle too long or its user is no longer
 * a member there; 403 when a state-changing request lacks a matching `X-CSRF-Token`.
 */
export async function authenticateSession(
  request: FastifyRequest,
  store: Store,
  options: WebSessionOptions,
  secret: string,
): Promise<{ principal: Principal; session: AuthenticatedSession } | SwitchyardError> {
  const session = await store.webSessions.authenticate(secret, options.idleMs)
  if (!session) return sessionInvalid()
  const principal = await userPrincipal(store, session.workspaceId, session.userId)
  if (!principal) return sessionInvalid()
  if (needsCsrfToken(request.method)) {
    const header = request.headers[CSRF_HEADER]
    if (!verifyCsrfToken(secret, typeof header === 'string' ? header : undefined)) {
      return new SwitchyardError(
        'SY_API_CSRF_INVALID',
        'A change made with the session cookie needs the X-CSRF-Token header from the login or GET /auth/session answer',
        { field: 'X-CSRF-Token' },
      )
    }
  }
  return { principal, session: { session, secret } }
}
