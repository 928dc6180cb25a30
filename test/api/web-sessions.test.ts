import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, before, describe, test } from 'node:test'
import SqliteDatabase from 'better-sqlite3'
import { createPostgresDatabase, postgresUnavailable, type TestDatabase } from '../support/services.ts'
import { startTestSwitchyard, type TestSwitchyard } from '../support/switchyard.ts'

const PASSWORD = 'correct horse battery staple'

interface Answer {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  body: any
  ms: number
}

/** A browser, as far as the session is concerned: it keeps the session cookie and sends it back. */
class Browser {
  cookie: string | undefined
  csrf: string | undefined
  readonly answers: string[] = []
  constructor(private readonly sy: TestSwitchyard) {}

  async call(
    method: string,
    path: string,
    options: { body?: unknown; csrf?: string | null; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const headers: Record<string, string> = { ...options.headers }
    if (this.cookie) headers.cookie = `other=1; sy_session=${this.cookie}`
    const csrf = options.csrf === undefined ? this.csrf : options.csrf
    if (csrf) headers['x-csrf-token'] = csrf
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const started = performance.now()
    const response = await fetch(`${this.sy.controlUrl}/api${path}`, {
      method,
      headers,
      ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    })
    const text = await response.text()
    const ms = performance.now() - started
    this.answers.push(text)
    const setCookie = response.headers.get('set-cookie')
    const value = setCookie && /^sy_session=([^;]*)/.exec(setCookie)?.[1]
    if (value !== undefined && value !== null) this.cookie = value || undefined
    const body = text ? JSON.parse(text) : undefined
    if (body?.data?.csrfToken) this.csrf = body.data.csrfToken
    return { status: response.status, headers: response.headers, body, ms }
  }

  login(email: string, password = PASSWORD, extra: Record<string, unknown> = {}) {
    return this.call('POST', '/auth/login', { body: { email, password, ...extra } })
  }
}

async function createUser(
  sy: TestSwitchyard,
  email: string,
  role: 'Workspace Owner' | 'Workspace Member',
  policies: { roleId: string; resources: { type: 'WORKSPACE'; id: string }[] }[] = [],
) {
  const store = sy.switchyard.store
  const workspaceId = sy.switchyard.bootstrap.workspace.id
  const user = await store.users.create({ email, name: email.split('@')[0]!, password: PASSWORD })
  await store.users.addMember({ workspaceId, userId: user.id, role })
  if (policies.length > 0) await store.policies.replace(workspaceId, { type: 'user', id: user.id }, policies)
  return user
}

const codeOf = (a: Answer) => a.body?.errors?.[0]?.code

describe('web sessions: log in, cookie, CSRF, permissions, audit, log out', () => {
  let sy: TestSwitchyard
  let workspaceId: string
  before(async () => {
    sy = await startTestSwitchyard({ env: { SWITCHYARD_LOGIN_DELAY_MS: '1' } })
    workspaceId = sy.switchyard.bootstrap.workspace.id
    await createUser(sy, 'owner@example.com', 'Workspace Owner')
    await createUser(sy, 'reader@example.com', 'Workspace Member', [
      { roleId: 'source-read-only', resources: [{ type: 'WORKSPACE', id: workspaceId }] },
    ])
    await createUser(sy, 'wrong@example.com', 'Workspace Member')
  })
  after(async () => sy?.stop())

  test('login sets an HttpOnly, SameSite=Lax session cookie and answers user, workspaces and a CSRF token', async () => {
    const browser = new Browser(sy)
    const r = await browser.login('Owner@Example.com ')
    assert.equal(r.status, 200, JSON.stringify(r.body))
    const setCookie = r.headers.get('set-cookie')!
    assert.match(setCookie, /^sy_session=[A-Za-z0-9_-]{43}; Max-Age=43200; Path=\/; HttpOnly; SameSite=Lax$/)
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP and SWITCHYARD_SESSION_COOKIE_SECURE=auto')
    assert.equal(r.headers.get('cache-control'), 'no-store')
    const { data } = r.body
    assert.equal(data.user.email, 'owner@example.com')
    assert.equal(data.workspaceId, workspaceId)
    assert.deepEqual(
      data.workspaces.map((w: { id: string; role: string }) => [w.id, w.role]),
      [[workspaceId, 'Workspace Owner']],
    )
    assert.match(data.csrfToken, /^[\w-]+\.[\w-]+$/)
    assert.ok(Date.parse(data.session.expiresAt) - Date.now() > 11.9 * 3600_000)

    const session = await browser.call('GET', '/auth/session')
    assert.equal(session.status, 200)
    assert.equal(session.body.data.user.email, 'owner@example.com')
    assert.notEqual(session.body.data.csrfToken, data.csrfToken, 'a fresh CSRF token')
    const workspace = await browser.call('GET', '/')
    assert.equal(workspace.status, 200)
    assert.equal(workspace.body.data.workspace.id, workspaceId)
  })

  test('a wrong password and an unknown email get the same answer', async () => {
    const browser = new Browser(sy)
    const wrong = await browser.login('wrong@example.com', 'not the password at all')
    const unknown = await browser.login('nobody@example.com', 'not the password at all')
    assert.equal(wrong.status, 401)
    assert.deepEqual(unknown.body, wrong.body)
    assert.equal(codeOf(wrong), 'SY_API_LOGIN_FAILED')
    assert.equal(wrong.headers.get('set-cookie'), null)
    // Both run scrypt: an unknown email is not answered noticeably faster.
    let wrongMs = 0
    let unknownMs = 0
    for (let i = 0; i < 2; i++) {
      wrongMs += (await browser.login('wrong@example.com', 'not the password at all')).ms
      unknownMs += (await browser.login('nobody@example.com', 'not the password at all')).ms
    }
    assert.ok(unknownMs > wrongMs * 0.4, `unknown ${unknownMs} ms vs wrong password ${wrongMs} ms`)
    const bad = await browser.call('POST', '/auth/login', { body: { email: 'x@example.com' } })
    assert.equal(bad.status, 400)
  })

  test('cookie-authenticated writes need the CSRF token; bearer tokens need none', async () => {
    const browser = new Browser(sy)
    await browser.login('owner@example.com')
    const other = new Browser(sy)
    await other.login('owner@example.com')
    const body = { slug: 'from-the-app', enabled: true, metadataId: 'IqDTy1TpoU' }
    for (const [what, csrf] of [
      ['missing', null],
      ['malformed', 'nonsense'],
      ["another session's", other.csrf!],
    ] as const) {
      const r = await browser.call('POST', '/sources', { body, csrf })
      assert.equal(r.status, 403, what)
      assert.equal(codeOf(r), 'SY_API_CSRF_INVALID', what)
      assert.equal(r.body.errors[0].field, 'X-CSRF-Token')
    }
    assert.equal((await browser.call('GET', '/sources', { csrf: null })).status, 200, 'reads need none')
    const created = await browser.call('POST', '/sources', { body })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const logout = await browser.call('POST', '/auth/logout', { csrf: null })
    assert.equal(codeOf(logout), 'SY_API_CSRF_INVALID', 'logging out needs it too')
    const byToken = await sy.api('/sources', { method: 'POST', body: { ...body, slug: 'from-a-token' } })
    assert.equal(byToken.status, 201)
  })

  test("a user's roles apply: Source Read-only lists sources and gets 403 creating one", async () => {
    const browser = new Browser(sy)
    assert.equal((await browser.login('reader@example.com')).status, 200)
    const list = await browser.call('GET', '/sources')
    assert.equal(list.status, 200)
    assert.ok(list.body.data.sources.length >= 1)
    const create = await browser.call('POST', '/sources', {
      body: { slug: 'not-allowed', enabled: true, metadataId: 'IqDTy1TpoU' },
    })
    assert.equal(create.status, 403)
    assert.equal(codeOf(create), 'SY_API_FORBIDDEN')
    assert.match(create.body.errors[0].message, /^This user \(.*Source Read-only.*\) lacks/)
    assert.equal((await browser.call('GET', '/audit-events')).status, 403)
  })

  test('the audit trail records the logged-in user as the actor', async () => {
    const browser = new Browser(sy)
    const login = await browser.login('owner@example.com')
    const userId = login.body.data.user.id
    const created = await browser.call('POST', '/sources', {
      body: { slug: 'audited-by-user', enabled: true, metadataId: 'IqDTy1TpoU' },
    })
    assert.equal(created.status, 201)
    const events = await browser.call('GET', `/audit-events?actor=${userId}`)
    assert.equal(events.status, 200)
    const event = events.body.data.events.find(
      (e: { resourceId: string }) => e.resourceId === created.body.data.source.id,
    )
    assert.ok(event, JSON.stringify(events.body))
    assert.equal(event.type, 'Source Created')
    assert.equal(event.actor, userId)
    assert.equal(event.actorType, 'user')
    assert.equal(event.actorName, 'owner@example.com')
  })

  test('logout ends this session only; logout everywhere ends them all', async () => {
    const a = new Browser(sy)
    const b = new Browser(sy)
    const c = new Browser(sy)
    for (const browser of [a, b, c]) assert.equal((await browser.login('owner@example.com')).status, 200)
    const oldCookie = a.cookie
    const out = await a.call('POST', '/auth/logout')
    assert.equal(out.status, 200)
    assert.match(
      out.headers.get('set-cookie')!,
      /^sy_session=; Max-Age=0; .*Path=\/; HttpOnly; SameSite=Lax$/,
    )
    a.cookie = oldCookie
    const after = await a.call('GET', '/sources')
    assert.equal(after.status, 401)
    assert.equal(codeOf(after), 'SY_API_SESSION_INVALID')
    assert.match(after.headers.get('set-cookie')!, /^sy_session=; Max-Age=0/, 'a dead cookie is cleared')
    assert.equal((await b.call('GET', '/sources')).status, 200, 'other sessions live on')

    const everywhere = await b.call('POST', '/auth/logout-everywhere')
    assert.equal(everywhere.status, 200)
    assert.ok(everywhere.body.data.sessionsEnded >= 2)
    assert.equal((await c.call('GET', '/sources')).status, 401)
    assert.equal((await b.call('GET', '/auth/session')).status, 401)
  })

  test('session operations need a session: a bearer token is told so', async () => {
    const r = await sy.api('/auth/session')
    assert.equal(r.status, 400)
    assert.equal(r.body.errors[0].field, 'Cookie')
    assert.equal((await sy.api('/auth/session', { token: null })).status, 401)
    const garbage = new Browser(sy)
    garbage.cookie = 'not-a-session'
    assert.equal(codeOf(await garbage.call('GET', '/sources')), 'SY_API_SESSION_INVALID')
  })

  test('a user removed from the workspace is logged out at once', async () => {
    const user = await createUser(sy, 'leaver@example.com', 'Workspace Member')
    const browser = new Browser(sy)
    assert.equal((await browser.login('leaver@example.com')).status, 200)
    assert.equal((await browser.call('GET', '/')).status, 200)
    assert.equal((await sy.api(`/users?userIds=${user.id}`, { method: 'DELETE' })).status, 200)
    assert.equal(codeOf(await browser.call('GET', '/')), 'SY_API_SESSION_INVALID')
  })

  test('invites: the acceptance token creates the account, the membership and a session', async () => {
    const invited = await sy.api('/invites', {
      method: 'POST',
      body: {
        invites: [{ email: 'Nina@Example.com', permissions: [{ roleId: 'source-read-only' }] }],
      },
    })
    assert.equal(invited.status, 201)
    assert.deepEqual(invited.body.data.emails, ['nina@example.com'])
    const [link] = invited.body.data.acceptTokens
    assert.equal(link.email, 'nina@example.com')
    const browser = new Browser(sy)
    const short = await browser.call('POST', '/auth/accept-invite', {
      body: { token: link.token, name: 'Nina', password: 'too short' },
    })
    assert.equal(short.status, 400)
    assert.equal(short.body.errors[0].field, 'password')
    const unknown = await browser.call('POST', '/auth/accept-invite', {
      body: { token: 'nope', name: 'Nina', password: PASSWORD },
    })
    assert.equal(unknown.status, 404)
    const accepted = await browser.call('POST', '/auth/accept-invite', {
      body: { token: link.token, name: 'Nina', password: PASSWORD },
    })
    assert.equal(accepted.status, 201, JSON.stringify(accepted.body))
    assert.equal(accepted.body.data.user.email, 'nina@example.com')
    assert.ok(browser.cookie)
    assert.equal((await browser.call('GET', '/sources')).status, 200, 'the invite’s Source Read-only')
    assert.equal(
      (await browser.call('POST', '/sources', { body: { slug: 'x', metadataId: 'IqDTy1TpoU' } })).status,
      403,
    )
    const again = await new Browser(sy).call('POST', '/auth/accept-invite', {
      body: { token: link.token, name: 'Nina', password: PASSWORD },
    })
    assert.equal(again.status, 404, 'a used invite link is spent')
    const events = await sy.api(`/audit-events?actor=${accepted.body.data.user.id}`)
    assert.deepEqual(
      events.body.data.events.map((e: { type: string }) => e.type),
      ['Invite Accepted'],
    )
    assert.equal((await new Browser(sy).login('nina@example.com')).status, 200)
  })

  test('secrets are stored hashed, and passwords appear in no log line or answer', async () => {
    const browser = new Browser(sy)
    await browser.login('owner@example.com')
    const secret = browser.cookie!
    const db = new SqliteDatabase(sy.switchyard.store.location.replace(/^sqlite:/, ''), { readonly: true })
    try {
      const rows = db.prepare('SELECT * FROM web_sessions').all() as Record<string, unknown>[]
      assert.ok(rows.length > 0)
      const hash = createHash('sha256').update(secret).digest('hex')
      assert.equal(rows.filter((r) => r.secret_hash === hash).length, 1)
      assert.ok(!JSON.stringify(rows).includes(secret), 'the secret itself is not stored')
      const invites = db.prepare('SELECT * FROM invites').all()
      assert.ok(!JSON.stringify(invites).includes('nope'))
    } finally {
      db.close()
    }
    const logs = sy.logs.join('\n')
    for (const needle of [PASSWORD, 'not the password at all', secret])
      assert.ok(!logs.includes(needle), `logs contain ${needle}`)
    assert.match(logs, /"event":"login"/)
    for (const text of browser.answers) assert.ok(!text.includes(PASSWORD))
  })
})

describe('web sessions: brute force is slowed, then locked out', () => {
  let sy: TestSwitchyard
  before(async () => {
    sy = await startTestSwitchyard({
      env: {
        SWITCHYARD_LOGIN_DELAY_MS: '200',
        SWITCHYARD_LOGIN_LOCKOUT_ATTEMPTS: '4',
        SWITCHYARD_LOGIN_LOCKOUT_MINUTES: '0.02',
      },
    })
    await createUser(sy, 'ada@example.com', 'Workspace Owner')
    await createUser(sy, 'bob@example.com', 'Workspace Owner')
  })
  after(async () => sy?.stop())

  /** Three failures, an early attempt refused, a fourth failure that locks, then even the right password waits. */
  async function lockOut(email: string) {
    const browser = new Browser(sy)
    const answers: Answer[] = []
    for (let i = 0; i < 3; i++) answers.push(await browser.login(email, 'wrong password!'))
    answers.push(await browser.login(email, 'wrong password!')) // within the 200 ms delay
    await sleep(250)
    answers.push(await browser.login(email, 'wrong password!'))
    answers.push(await browser.login(email, PASSWORD))
    return answers
  }

  test('failures are delayed, then the account is locked with 429 and Retry-After, whether or not it exists', async () => {
    const known = await lockOut('ada@example.com')
    const unknown = await lockOut('nobody@example.com')
    for (const answers of [known, unknown]) {
      assert.deepEqual(
        answers.map((a) => a.status),
        [401, 401, 401, 429, 401, 429],
      )
      assert.equal(answers[3]!.headers.get('retry-after'), '1')
      assert.equal(codeOf(answers[3]!), 'SY_API_LOGIN_THROTTLED')
      assert.equal(answers[5]!.headers.get('retry-after'), '2', 'locked for 0.02 minutes')
    }
    assert.deepEqual(
      known.map((a) => a.body),
      unknown.map((a) => a.body),
      'the same answers for an account that exists and one that does not',
    )
    const lockLines = sy.logs.filter((l) => l.includes('"event":"login_locked_out"'))
    assert.equal(lockLines.length, 2)
    assert.match(lockLines[0]!, /"email":"ada@example.com"/)
    assert.match(lockLines[0]!, /"scope":"account"/)
    assert.ok(!sy.logs.join('\n').includes('wrong password!'))

    await sleep(1300)
    assert.equal((await new Browser(sy).login('ada@example.com')).status, 200, 'the lock ends')
  })

  test('a successful login resets the account counter', async () => {
    const browser = new Browser(sy)
    for (let i = 0; i < 2; i++)
      assert.equal((await browser.login('bob@example.com', 'wrong password!')).status, 401)
    assert.equal((await browser.login('bob@example.com')).status, 200)
    for (let i = 0; i < 3; i++)
      assert.equal((await browser.login('bob@example.com', 'wrong password!')).status, 401)
  })

  test('one address failing across many accounts is locked too (at five times the account count)', async () => {
    await sleep(1300) // forget the earlier failures
    const browser = new Browser(sy)
    let failures = 0
    for (let i = 0; failures < 20 && i < 200; i++) {
      const r = await browser.login(`guess${failures}@example.com`, 'wrong password!')
      if (r.status === 401) failures++
      else {
        assert.equal(r.status, 429)
        await sleep(100)
      }
    }
    assert.equal(failures, 20)
    const r = await browser.login('bob@example.com')
    assert.equal(r.status, 429, 'even a good account from that address')
    assert.equal(r.headers.get('retry-after'), '2')
    assert.ok(
      sy.logs.some((l) => l.includes('"event":"login_locked_out"') && l.includes('"scope":"address"')),
    )
  })
})

describe('web sessions: lifetime, idle timeout, Secure cookies', () => {
  let sy: TestSwitchyard
  before(async () => {
    sy = await startTestSwitchyard({
      env: {
        SWITCHYARD_SESSION_HOURS: '0.001',
        SWITCHYARD_SESSION_IDLE_MINUTES: '0.02',
        SWITCHYARD_SESSION_COOKIE_SECURE: 'always',
      },
    })
    await createUser(sy, 'ada@example.com', 'Workspace Owner')
  })
  after(async () => sy?.stop())

  test('SWITCHYARD_SESSION_COOKIE_SECURE=always marks the cookie Secure; Max-Age is the lifetime', async () => {
    const r = await new Browser(sy).login('ada@example.com')
    assert.match(r.headers.get('set-cookie')!, /; Max-Age=3; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
  })

  test('an idle session ends', async () => {
    const browser = new Browser(sy)
    await browser.login('ada@example.com')
    assert.equal((await browser.call('GET', '/sources')).status, 200)
    await sleep(1400)
    const r = await browser.call('GET', '/sources')
    assert.equal(r.status, 401)
    assert.equal(codeOf(r), 'SY_API_SESSION_INVALID')
  })

  test('a busy session still ends at its lifetime', async () => {
    const browser = new Browser(sy)
    await browser.login('ada@example.com')
    const started = Date.now()
    let status = 200
    while (status === 200 && Date.now() - started < 6000) {
      await sleep(300)
      status = (await browser.call('GET', '/sources')).status
    }
    const lasted = Date.now() - started
    assert.equal(status, 401)
    assert.ok(lasted > 3000 && lasted < 4500, `lasted ${lasted} ms (lifetime 3.6 s, idle 1.2 s)`)
  })
})

describe('web sessions on PostgreSQL', async () => {
  const unavailable = await postgresUnavailable()
  let sy: TestSwitchyard
  let database: TestDatabase
  before(async () => {
    if (unavailable) return
    database = await createPostgresDatabase()
    sy = await startTestSwitchyard({ database, env: { SWITCHYARD_SESSION_IDLE_MINUTES: '0' } })
    await createUser(sy, 'ada@example.com', 'Workspace Owner')
  })
  after(async () => {
    await sy?.stop()
    await database?.drop()
  })

  test('log in, write with the CSRF token, log out everywhere', { skip: unavailable }, async () => {
    const browser = new Browser(sy)
    assert.equal((await browser.login('ada@example.com')).status, 200)
    assert.equal((await browser.call('GET', '/auth/session')).status, 200)
    const body = { slug: 'pg-source', enabled: true, metadataId: 'IqDTy1TpoU' }
    assert.equal((await browser.call('POST', '/sources', { body, csrf: null })).status, 403)
    assert.equal((await browser.call('POST', '/sources', { body })).status, 201)
    assert.equal((await browser.call('POST', '/auth/logout-everywhere')).status, 200)
    assert.equal((await browser.call('GET', '/sources')).status, 401)
  })
})
