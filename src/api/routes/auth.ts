import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import type { Repositories, Store, User, WebSession } from '../../store/index.ts'
import { issueCsrfToken } from '../csrf.ts'
import { LoginThrottle } from '../login-throttle.ts'
import { checkPassword, MAX_PASSWORD_LENGTH } from '../password-policy.ts'
import { clearSessionCookie, setSessionCookie, type WebSessionOptions } from '../sessions.ts'

export interface WebSessionRoutesOptions {
  store: Store
  sessions: WebSessionOptions
  now: () => number
}

/** Failed logins in a row that cost nothing, per account; an address gets five times as many. */
const FREE_ATTEMPTS = 3
const ADDRESS_FACTOR = 5

const loginBody = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', maxLength: 320 },
    password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH * 4 },
    workspaceId: { type: 'string', maxLength: 64 },
  },
} as const

const acceptInviteBody = {
  type: 'object',
  required: ['token', 'password'],
  additionalProperties: false,
  properties: {
    token: { type: 'string', maxLength: 128 },
    password: { type: 'string', maxLength: MAX_PASSWORD_LENGTH * 4 },
    name: { type: 'string', maxLength: 200 },
  },
} as const

const switchWorkspaceBody = {
  type: 'object',
  required: ['workspaceId'],
  additionalProperties: false,
  properties: { workspaceId: { type: 'string', maxLength: 64 } },
} as const

const loginFailed = () =>
  new SwitchyardError('SY_API_LOGIN_FAILED', 'The email or password is wrong', { field: 'password' })

const notASession = () =>
  new SwitchyardError(
    'SY_API_VALIDATION',
    'This operation is for web sessions: send the session cookie, not a bearer token',
    { field: 'Cookie' },
  )

/** What the web app learns about its session: who, where, the workspaces to pick from, a CSRF token. */
async function sessionView(store: Repositories, user: User, session: WebSession, secret: string) {
  const workspaces = []
  for (const m of await store.users.memberships(user.id)) {
    const w = await store.workspaces.get(m.workspaceId)
    if (w) workspaces.push({ id: w.id, slug: w.slug, name: w.name, role: m.role })
  }
  workspaces.sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id))
  return {
    user: { id: user.id, email: user.email, name: user.name },
    workspaceId: session.workspaceId,
    workspaces,
    csrfToken: issueCsrfToken(secret),
    session: { id: session.id, createdAt: session.createdAt, expiresAt: session.expiresAt },
  }
}

/**
 * The web app's sessions (docs/iam.md, "Web sessions"): log in with email and password, log out
 * here or everywhere, see the session, move it to another of the user's workspaces, accept an
 * invite. Logging in and accepting an invite are `public`; the others need the session cookie (and,
 * being POSTs, its CSRF token).
 */
export const webSessionRoutes: FastifyPluginAsync<WebSessionRoutesOptions> = async (app, options) => {
  const { store, sessions, now } = options
  const policy = {
    freeAttempts: FREE_ATTEMPTS,
    delayMs: sessions.loginDelayMs,
    lockAfter: sessions.lockoutAttempts,
    lockMs: sessions.lockoutMs,
  }
  const throttle = new LoginThrottle({
    account: policy,
    address: {
      ...policy,
      freeAttempts: FREE_ATTEMPTS * ADDRESS_FACTOR,
      lockAfter: sessions.lockoutAttempts * ADDRESS_FACTOR,
    },
  })

  /**
   * Checks a password under the throttle: 429 when the account or address must wait, 401 when
   * wrong (with the lock-out logged when this failure caused one), the user when right.
   */
  async function verify(request: FastifyRequest, reply: FastifyReply, email: string, password: string) {
    const account = email.trim().toLowerCase()
    const attempt = throttle.begin(account, request.ip, now())
    if (!attempt.allowed) {
      const seconds = Math.max(1, Math.ceil(attempt.retryAfterMs / 1000))
      reply.header('Retry-After', seconds)
      throw new SwitchyardError(
        'SY_API_LOGIN_THROTTLED',
        `Too many failed logins: try again in ${seconds} s`,
        { data: { retryAfterSeconds: seconds } },
      )
    }
    const user = await store.users.verifyCredentials(account, password)
    if (user) {
      throttle.succeeded(attempt)
      return user
    }
    const { accountLocked, addressLocked } = throttle.failed(attempt, now())
    if (accountLocked || addressLocked) {
      request.log.warn(
        {
          event: 'login_locked_out',
          email: account,
          ip: request.ip,
          scope: accountLocked ? 'account' : 'address',
          lockedMs: sessions.lockoutMs,
        },
        'login locked out after repeated failures',
      )
    } else {
      request.log.info({ event: 'login_failed', ip: request.ip }, 'login failed')
    }
    throw loginFailed()
  }

  /** Starts a session for the user in `workspaceId` and answers it, with the cookie set. */
  async function startSession(
    request: FastifyRequest,
    reply: FastifyReply,
    user: User,
    workspaceId: string,
    status: number,
  ) {
    await store.webSessions.prune(sessions.idleMs)
    const { session, secret } = await store.webSessions.create({
      userId: user.id,
      workspaceId,
      lifetimeMs: sessions.lifetimeMs,
      ip: request.ip,
      userAgent: request.headers['user-agent'] ?? '',
    })
    setSessionCookie(request, reply, sessions, secret)
    reply.header('cache-control', 'no-store')
    request.log.info(
      { event: 'login', userId: user.id, sessionId: session.id, ip: request.ip },
      'user logged in',
    )
    return reply.code(status).send({ data: await sessionView(store, user, session, secret) })
  }

  app.post<{ Body: { email: string; password: string; workspaceId?: string } }>(
    '/auth/login',
    { schema: { body: loginBody }, config: { operation: 'login', permission: 'public' } },
    async (request, reply) => {
      const { email, password, workspaceId } = request.body
      const user = await verify(request, reply, email, password)
      const memberships = await store.users.memberships(user.id)
      if (memberships.length === 0) {
        throw new SwitchyardError('SY_API_FORBIDDEN', 'This account is not a member of any workspace')
      }
      const chosen =
        workspaceId ??
        [...memberships].sort((a, b) => a.workspaceId.localeCompare(b.workspaceId))[0]!.workspaceId
      if (!memberships.some((m) => m.workspaceId === chosen)) {
        throw new SwitchyardError('SY_API_FORBIDDEN', `This account is not a member of workspace ${chosen}`, {
          field: 'workspaceId',
        })
      }
      return startSession(request, reply, user, chosen, 200)
    },
  )

  app.get(
    '/auth/session',
    { config: { operation: 'getSession', permission: 'authenticated' } },
    async (request, reply) => {
      const current = request.webSession
      if (!current) throw notASession()
      const user = await store.users.get(current.session.userId)
      if (!user) throw notASession()
      reply.header('cache-control', 'no-store')
      return { data: await sessionView(store, user, current.session, current.secret) }
    },
  )

  app.post<{ Body: { workspaceId: string } }>(
    '/auth/session/workspace',
    {
      schema: { body: switchWorkspaceBody },
      config: { operation: 'switchWorkspace', permission: 'authenticated' },
    },
    async (request, reply) => {
      const current = request.webSession
      if (!current) throw notASession()
      const user = await store.users.get(current.session.userId)
      if (!user) throw notASession()
      const { workspaceId } = request.body
      const memberships = await store.users.memberships(user.id)
      if (!memberships.some((m) => m.workspaceId === workspaceId)) {
        throw new SwitchyardError(
          'SY_API_FORBIDDEN',
          `This account is not a member of workspace ${workspaceId}`,
          { field: 'workspaceId' },
        )
      }
      await store.webSessions.setWorkspace(current.session.id, workspaceId)
      request.log.info(
        { event: 'workspace_switched', userId: user.id, sessionId: current.session.id, workspaceId },
        'session switched workspace',
      )
      reply.header('cache-control', 'no-store')
      const session = { ...current.session, workspaceId }
      return { data: await sessionView(store, user, session, current.secret) }
    },
  )

  app.post(
    '/auth/logout',
    { config: { operation: 'logout', permission: 'authenticated' } },
    async (request, reply) => {
      const current = request.webSession
      if (!current) throw notASession()
      await store.webSessions.delete(current.session.id)
      clearSessionCookie(request, reply, sessions)
      request.log.info(
        { event: 'logout', userId: current.session.userId, sessionId: current.session.id },
        'user logged out',
      )
      return { data: { status: 'SUCCESS' } }
    },
  )

  app.post(
    '/auth/logout-everywhere',
    { config: { operation: 'logoutEverywhere', permission: 'authenticated' } },
    async (request, reply) => {
      const current = request.webSession
      if (!current) throw notASession()
      const ended = await store.webSessions.deleteForUser(current.session.userId)
      clearSessionCookie(request, reply, sessions)
      request.log.info(
        { event: 'logout_everywhere', userId: current.session.userId, ended },
        'user logged out everywhere',
      )
      return { data: { status: 'SUCCESS', sessionsEnded: ended } }
    },
  )

  app.post<{ Body: { token: string; password: string; name?: string } }>(
    '/auth/accept-invite',
    { schema: { body: acceptInviteBody }, config: { operation: 'acceptInvite', permission: 'public' } },
    async (request, reply) => {
      const { token, password, name } = request.body
      const invite = await store.invites.findByToken(token)
      if (!invite) {
        throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', 'The invite link is unknown, used or expired', {
          field: 'token',
        })
      }
      const existing = await store.users.findByEmail(invite.email)
      let user: User
      if (existing) {
        // Joining with an account one already has: prove it with its password (throttled like a login).
        user = await verify(request, reply, invite.email, password)
      } else {
        checkPassword(password, invite.email)
        const trimmed = name?.trim()
        if (!trimmed)
          throw new SwitchyardError('SY_API_VALIDATION', 'name is required for a new account', {
            field: 'name',
          })
        user = await store.users.create({ email: invite.email, name: trimmed, password })
      }
      const joined = await store.transaction(async (tx) => {
        if (!(await tx.invites.accept(invite.workspaceId, invite.email, user.id))) return false
        await tx.audit.record({
          workspaceId: invite.workspaceId,
          type: 'Invite Accepted',
          actor: { type: 'user', id: user.id, name: user.email },
          resource: { type: 'user', id: user.id, name: user.email },
          before: { email: invite.email },
          after: { userId: user.id, email: user.email, role: 'Workspace Member' },
        })
        return true
      })
      if (!joined) {
        throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', 'The invite link is unknown, used or expired', {
          field: 'token',
        })
      }
      return startSession(request, reply, user, invite.workspaceId, 201)
    },
  )
}
