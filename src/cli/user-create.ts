import { checkPassword } from '../api/index.ts'
import type { SwitchyardConfig } from '../config/index.ts'
import { createLogger, openMigratedStore } from '../server/index.ts'
import { SYSTEM_ACTOR } from '../store/index.ts'
import { UsageError } from './usage-error.ts'

export interface UserCreateValues {
  email?: string
  name?: string
  'password-stdin'?: boolean
}

/** Reads the whole of stdin and drops one trailing line break (what `echo` and editors add). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/**
 * `switchyard user create --email … [--name …] --password-stdin`: creates an account that can log
 * in to the web app, as a Workspace Owner of the default workspace, so that a fresh install has
 * someone to log in as. The password comes from stdin only (never a flag: flags show in `ps` and
 * shell history). Audited as "User Created" by the Switchyard CLI.
 */
export async function createUser(config: SwitchyardConfig, values: UserCreateValues): Promise<void> {
  const email = values.email?.trim().toLowerCase()
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UsageError('user create needs --email <address>')
  if (!values['password-stdin']) {
    throw new UsageError('user create needs --password-stdin (pipe the password in: never pass it as a flag)')
  }
  const password = await readStdin()
  checkPassword(password, email)
  const name = values.name?.trim() || email.split('@')[0]!
  const store = await openMigratedStore(config, createLogger('warn'))
  try {
    const workspace = await store.workspaces.first()
    if (!workspace) throw new UsageError('No workspace yet: run `switchyard start` once first')
    const user = await store.users.create({ email, name, password })
    await store.transaction(async (tx) => {
      await tx.users.addMember({ workspaceId: workspace.id, userId: user.id, role: 'Workspace Owner' })
      await tx.audit.record({
        workspaceId: workspace.id,
        type: 'User Created',
        actor: { ...SYSTEM_ACTOR, name: 'Switchyard CLI' },
        resource: { type: 'user', id: user.id, name: user.email },
        before: null,
        after: { id: user.id, email: user.email, name: user.name, role: 'Workspace Owner' },
      })
    })
    process.stdout.write(
      `Created user ${user.email} (${user.id}), Workspace Owner of "${workspace.name}". Log in at /api/auth/login.\n`,
    )
  } finally {
    await store.close()
  }
}
