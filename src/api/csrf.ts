import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * CSRF tokens for cookie-authenticated requests: HMAC-signed tokens tied to the session (OWASP's
 * "signed double-submit" / HMAC token pattern, but never stored in a cookie). A token is
 * `<nonce>.<HMAC-SHA256(session secret, "csrf:" + nonce)>`, so:
 * - only someone who holds the session cookie's secret can make one (the server gets the secret
 *   from the cookie on each request, and the database holds only its hash);
 * - every call can hand out a fresh token and all of them stay valid for the session's life;
 * - nothing is stored, and logging out (the session is gone) retires them all.
 */

const nonceOf = () => randomBytes(16).toString('base64url')
const mac = (sessionSecret: string, nonce: string) =>
  createHmac('sha256', sessionSecret).update(`csrf:${nonce}`).digest('base64url')

export function issueCsrfToken(sessionSecret: string): string {
  const nonce = nonceOf()
  return `${nonce}.${mac(sessionSecret, nonce)}`
}

/** Whether `token` was issued for the session with this secret. */
export function verifyCsrfToken(sessionSecret: string, token: string | undefined): boolean {
  if (!token) return false
  const dot = token.indexOf('.')
  if (dot <= 0 || dot !== token.lastIndexOf('.')) return false
  const expected = Buffer.from(mac(sessionSecret, token.slice(0, dot)))
  const actual = Buffer.from(token.slice(dot + 1))
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}

/** Methods that change state and so need the token when authenticated by cookie. */
export const needsCsrfToken = (method: string): boolean => !['GET', 'HEAD', 'OPTIONS'].includes(method)
