import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, test } from 'node:test'
import { runCli, startProcess } from '../support/process.ts'
import { tempDir } from '../support/services.ts'

const dataDir = tempDir()
after(() => rmSync(dataDir, { recursive: true, force: true }))
const env = { SWITCHYARD_DATA_DIR: dataDir, SWITCHYARD_DEFAULT_WAREHOUSE: 'none' }
const PASSWORD = 'a long pass phrase'

test('`user create` makes a Workspace Owner who can log in; the password only from stdin', async () => {
  const first = await startProcess(env)
  first.child.kill('SIGTERM')
  await first.waitForExit()

  const noStdin = await runCli(['user', 'create', '--email', 'ada@example.com'], env)
  assert.equal(noStdin.code, 2)
  assert.match(noStdin.stderr, /--password-stdin/)
  const short = await runCli(
    ['user', 'create', '--email', 'ada@example.com', '--password-stdin'],
    env,
    'short\n',
  )
  assert.equal(short.code, 1)
  assert.match(short.stderr, /SY_API_VALIDATION: The password must be at least 12 characters/)

  const created = await runCli(
    ['user', 'create', '--email', 'Ada@Example.com', '--name', 'Ada', '--password-stdin'],
    env,
    `${PASSWORD}\n`,
  )
  assert.equal(created.code, 0, created.stderr)
  assert.match(created.stdout, /Created user ada@example.com .*Workspace Owner of "My Workspace"/)
  assert.ok(!created.stdout.includes(PASSWORD) && !created.stderr.includes(PASSWORD))
  const again = await runCli(
    ['user', 'create', '--email', 'ada@example.com', '--password-stdin'],
    env,
    PASSWORD,
  )
  assert.equal(again.code, 1)
  assert.match(again.stderr, /SY_RESOURCE_CONFLICT/)

  const p = await startProcess(env)
  try {
    const login = await fetch(`${p.controlUrl}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
    })
    assert.equal(login.status, 200)
    const body = (await login.json()) as { data: { workspaces: { role: string }[] } }
    assert.deepEqual(
      body.data.workspaces.map((w) => w.role),
      ['Workspace Owner'],
    )
    const cookie = /^sy_session=[^;]+/.exec(login.headers.get('set-cookie')!)![0]
    const audit = await fetch(`${p.controlUrl}/api/audit-events`, { headers: { cookie } })
    const events = (await audit.json()) as { data: { events: { type: string; actorName: string }[] } }
    assert.ok(events.data.events.some((e) => e.type === 'User Created' && e.actorName === 'Switchyard CLI'))
    assert.ok(!p.stdout().includes(PASSWORD))
  } finally {
    p.child.kill('SIGTERM')
    await p.waitForExit()
  }
})
