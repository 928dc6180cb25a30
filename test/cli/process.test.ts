import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, describe, test } from 'node:test'
import { startProcess, runCli } from '../support/process.ts'
import { createPostgresDatabase, postgresUnavailable, tempDir } from '../support/services.ts'

const bearer = (token: string) => ({ authorization: `Bearer ${token}` })

describe('switchyard as a process on embedded storage', () => {
  const dataDir = tempDir()
  after(() => rmSync(dataDir, { recursive: true, force: true }))
  const env = { SWITCHYARD_DATA_DIR: dataDir }
  let ownerToken = ''

  test('first start creates the workspace and prints a one-time owner token that works', async () => {
    const p = await startProcess(env)
    try {
      assert.match(p.stderr(), /First start: created the workspace/)
      assert.ok(p.printedToken, 'token printed')
      ownerToken = p.printedToken
      assert.doesNotMatch(p.stdout(), new RegExp(ownerToken), 'the token is not in the structured log')
      const r = await fetch(`${p.controlUrl}/api/`, { headers: bearer(ownerToken) })
      assert.equal(r.status, 200)
      const created = await fetch(`${p.controlUrl}/api/sources`, {
        method: 'POST',
        headers: { ...bearer(ownerToken), 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'kept', enabled: true, metadataId: 'IqDTy1TpoU' }),
      })
      assert.equal(created.status, 201)
      assert.equal((await fetch(`${p.ingestUrl}/healthz`)).status, 200)
    } finally {
      p.child.kill('SIGTERM')
      assert.deepEqual(await p.waitForExit(), { code: 0, signal: null })
    }
  })

  test('SIGTERM lets the in-flight request finish, refuses new work, exits 0 within 10 s', async () => {
    const p = await startProcess(env)
    assert.equal(p.printedToken, undefined, 'a restart prints no new token')
    const inFlight = fetch(`${p.controlUrl}/api/echo?message=slow&delay=1500`, {
      headers: bearer(ownerToken),
    })
    await new Promise((r) => setTimeout(r, 300))
    const signalledAt = Date.now()
    p.child.kill('SIGTERM')
    const response = await inFlight
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { data: { message: string } }).data.message, 'slow')
    const exit = await p.waitForExit()
    const tookMs = Date.now() - signalledAt
    assert.deepEqual(exit, { code: 0, signal: null })
    assert.ok(tookMs < 10_000, `exited after ${tookMs} ms`)
    await assert.rejects(fetch(`${p.controlUrl}/healthz`), 'the port is closed')
    assert.match(p.stdout(), /"msg":"stopped"/)
  })

  test('restart keeps the workspace, its sources and the owner token; SIGINT stops it too', async () => {
    const p = await startProcess(env)
    try {
      const r = await fetch(`${p.controlUrl}/api/sources`, { headers: bearer(ownerToken) })
      const body = (await r.json()) as { data: { sources: { slug: string }[] } }
      assert.deepEqual(
        body.data.sources.map((s) => s.slug),
        ['kept'],
      )
    } finally {
      p.child.kill('SIGINT')
      assert.deepEqual(await p.waitForExit(), { code: 0, signal: null })
    }
  })

  test('`migrate` and `token create` work against the same data dir', async () => {
    const migrated = await runCli(['migrate'], env)
    assert.equal(migrated.code, 0, migrated.stderr)
    assert.match(migrated.stdout, /database is up to date/)

    const missing = await runCli(['token', 'create'], env)
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /--description/)

    const created = await runCli(['token', 'create', '--description', 'recovery', '--role', 'member'], env)
    assert.equal(created.code, 0, created.stderr)
    const secret = /^(sy_tok_\S+)$/m.exec(created.stdout)?.[1]
    assert.ok(secret)
    const p = await startProcess(env)
    try {
      const me = await fetch(`${p.controlUrl}/api/`, { headers: bearer(secret) })
      assert.equal(me.status, 200)
      const forbidden = await fetch(`${p.controlUrl}/api/sources`, { headers: bearer(secret) })
      assert.equal(forbidden.status, 403, 'a member token from the CLI has member rights')
    } finally {
      p.child.kill('SIGTERM')
      await p.waitForExit()
    }
  })

  test('three processes starting at once on a fresh data dir: one migrates and bootstraps, all serve', async () => {
    const fresh = tempDir()
    try {
      const started = await Promise.all([0, 1, 2].map(() => startProcess({ SWITCHYARD_DATA_DIR: fresh })))
      try {
        assert.equal(started.filter((p) => p.printedToken).length, 1, 'exactly one owner token was created')
        const token = started.find((p) => p.printedToken)!.printedToken!
        for (const p of started) {
          const r = await fetch(`${p.controlUrl}/api/`, { headers: bearer(token) })
          assert.equal(r.status, 200)
        }
      } finally {
        for (const p of started) p.child.kill('SIGTERM')
        await Promise.all(started.map((p) => p.waitForExit()))
      }
    } finally {
      rmSync(fresh, { recursive: true, force: true })
    }
  })

  test('a bad setting stops the start with the variable and the rule', async () => {
    const r = await runCli(['start'], { ...env, SWITCHYARD_INGEST_PORT: 'eighty' })
    assert.equal(r.code, 1)
    assert.match(r.stderr, /SY_CONFIG_INVALID: SWITCHYARD_INGEST_PORT must be a port number/)
    const secret = await runCli(['migrate'], {
      ...env,
      SWITCHYARD_DATABASE_URL: 'mysql://admin:Sup3rS3cret@db/x',
    })
    assert.equal(secret.code, 1)
    assert.match(secret.stderr, /SWITCHYARD_DATABASE_URL must start with postgres/)
    assert.doesNotMatch(secret.stderr, /Sup3rS3cret/, 'a secret setting is never echoed')
  })
})

const pgSkip = await postgresUnavailable()

describe('switchyard as a process on PostgreSQL', { skip: pgSkip }, () => {
  test('SWITCHYARD_DATABASE_URL runs the same control plane on PostgreSQL, with a bootstrap token', async () => {
    const database = await createPostgresDatabase()
    const dataDir = tempDir()
    const token = 'bootstrap-token-for-automation-01'
    const env = {
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_DATABASE_URL: database.url!,
      SWITCHYARD_BOOTSTRAP_TOKEN: token,
      SWITCHYARD_SECRET_KEY: 'a-shared-secret-key-for-all-processes',
    }
    try {
      const first = await startProcess(env)
      assert.equal(first.printedToken, undefined)
      assert.match(first.stderr(), /SWITCHYARD_BOOTSTRAP_TOKEN/)
      assert.doesNotMatch(first.stderr() + first.stdout(), new RegExp(token))
      const created = await fetch(`${first.controlUrl}/api/sources`, {
        method: 'POST',
        headers: { ...bearer(token), 'content-type': 'application/json' },
        body: JSON.stringify({ slug: 'on-postgres', enabled: true, metadataId: 'iUM16Md8P2' }),
      })
      assert.equal(created.status, 201)
      first.child.kill('SIGTERM')
      assert.equal((await first.waitForExit()).code, 0)

      const second = await startProcess(env)
      try {
        const list = (await (
          await fetch(`${second.controlUrl}/api/sources`, { headers: bearer(token) })
        ).json()) as {
          data: { sources: { slug: string }[] }
        }
        assert.deepEqual(
          list.data.sources.map((s) => s.slug),
          ['on-postgres'],
        )
      } finally {
        second.child.kill('SIGTERM')
        await second.waitForExit()
      }
    } finally {
      await database.drop()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
