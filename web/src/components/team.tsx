import { useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors, listAll } from '../api/client.ts'
import type { InviteToken, Role, WorkspaceUser } from '../api/models.ts'
import { useApi, type Loaded } from '../app/use-api.ts'
import { Badge, CopyBlock, EmptyState, ErrorNote, FieldError, Loading, Panel, formatTime } from './ui.tsx'

/** Settings → Users: the workspace's members, its pending invites and the roles to grant. */
export function TeamSettings() {
  const roles = useApi(() => listAll<Role>('/roles', 'roles'), 'roles')
  const invites = useApi(() => listAll<string>('/invites', 'invites'), 'invites')
  return (
    <>
      <Users />
      <Invites roles={roles} invites={invites} />
      <Roles roles={roles} />
    </>
  )
}

/** The access level a user's permissions amount to, as `listUsers` shows them. */
export function accessLevel(user: WorkspaceUser): 'Workspace Owner' | 'Workspace Member' {
  return user.permissions.some((p) => p.roleId === 'workspace-owner') ? 'Workspace Owner' : 'Workspace Member'
}

function Users() {
  const users = useApi(() => listAll<WorkspaceUser>('/users', 'users'), 'users')
  return (
    <Panel title="Users">
      {!users.data ? (
        users.error ? (
          <ErrorNote error={users.error} />
        ) : (
          <Loading />
        )
      ) : users.data.length === 0 ? (
        <EmptyState title="No users yet">Invite people below; they join once they accept.</EmptyState>
      ) : (
        <table className="table" aria-label="Users">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Access</th>
              <th>Other roles</th>
            </tr>
          </thead>
          <tbody>
            {users.data.map((u) => (
              <tr key={u.id}>
                <td>{u.name || '—'}</td>
                <td>{u.email}</td>
                <td>
                  <Badge tone={accessLevel(u) === 'Workspace Owner' ? 'good' : 'neutral'}>
                    {accessLevel(u)}
                  </Badge>
                </td>
                <td>
                  {u.permissions
                    .filter((p) => p.roleId !== 'workspace-owner' && p.roleId !== 'workspace-member')
                    .map((p) => p.roleName)
                    .join(', ') || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}

function Invites({ roles, invites }: { roles: Loaded<Role[]>; invites: Loaded<string[]> }) {
  const [created, setCreated] = useState<InviteToken[]>()
  const [deleteError, setDeleteError] = useState<string>()

  const remove = async (email: string) => {
    if (!window.confirm(`Delete the invite of ${email}? Its acceptance token stops working.`)) return
    setDeleteError(undefined)
    try {
      await api('/invites', { method: 'DELETE', query: { emails: email } })
      invites.reload()
    } catch (e) {
      setDeleteError(errorMessage(e))
    }
  }

  return (
    <Panel title="Invites">
      <p className="muted">
        Invite people by email. Each invite has an acceptance token, valid for 7 days, that you pass on to
        them.
      </p>
      <InviteForm
        roles={roles.data ?? []}
        onInvited={(tokens) => {
          setCreated(tokens)
          invites.reload()
        }}
      />
      {created && created.length > 0 && (
        <div className="secret-once" role="status">
          <strong>Pass these on now: they are not shown again.</strong>
          {created.map((t) => (
            <div key={t.email}>
              <p className="small">
                {t.email} (until {formatTime(t.expiresAt)}) accepts with{' '}
                <code>POST /api/auth/accept-invite</code> and this token:
              </p>
              <CopyBlock text={t.token} label={`Acceptance token for ${t.email}`} />
            </div>
          ))}
        </div>
      )}
      {deleteError && <p className="error-note">{deleteError}</p>}
      {!invites.data ? (
        invites.error ? (
          <ErrorNote error={invites.error} />
        ) : (
          <Loading />
        )
      ) : invites.data.length === 0 ? (
        <EmptyState title="No pending invites">
          Invite someone above; the invite stays here until they accept it or it expires.
        </EmptyState>
      ) : (
        <table className="table" aria-label="Pending invites">
          <thead>
            <tr>
              <th>Email</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {invites.data.map((email) => (
              <tr key={email}>
                <td>{email}</td>
                <td className="num">
                  <button type="button" className="button small danger" onClick={() => void remove(email)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}

function InviteForm(props: { roles: Role[]; onInvited(tokens: InviteToken[]): void }) {
  const [email, setEmail] = useState('')
  const [roleId, setRoleId] = useState('workspace-member')
  const [error, setError] = useState<unknown>()
  const errors = fieldErrors(error, 'invites[0].')

  const invite = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    try {
      const answer = await api<{ emails: string[]; acceptTokens?: InviteToken[] }>('/invites', {
        method: 'POST',
        body: { invites: [{ email, permissions: [{ roleId }] }] },
      })
      setEmail('')
      props.onInvited(answer.acceptTokens ?? [])
    } catch (e) {
      setError(e)
    }
  }

  return (
    <>
      <form className="inline-form" onSubmit={(e) => void invite(e)}>
        <div className={`field ${errors.email ? 'has-error' : ''}`}>
          <label htmlFor="invite-email">Email</label>
          <input
            id="invite-email"
            type="email"
            required
            value={email}
            placeholder="someone@example.com"
            onChange={(e) => setEmail(e.target.value)}
          />
          <FieldError message={errors.email} />
        </div>
        <div className={`field ${errors.permissions ? 'has-error' : ''}`}>
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            {(props.roles.length ? props.roles : [{ id: 'workspace-member', name: 'Workspace Member' }]).map(
              (r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ),
            )}
          </select>
          <FieldError message={errors.permissions} />
        </div>
        <button type="submit" className="button primary">
          Invite
        </button>
      </form>
      <ErrorNote error={error && !errors.email && !errors.permissions ? error : undefined} />
    </>
  )
}

function Roles({ roles }: { roles: Loaded<Role[]> }) {
  return (
    <Panel title="Roles">
      <p className="muted">
        What each role allows. Grant them by inviting people, or through the Public API.
      </p>
      {!roles.data ? (
        roles.error ? (
          <ErrorNote error={roles.error} />
        ) : (
          <Loading />
        )
      ) : (
        <table className="table" aria-label="Roles">
          <thead>
            <tr>
              <th>Role</th>
              <th>What it allows</th>
            </tr>
          </thead>
          <tbody>
            {roles.data.map((r) => (
              <tr key={r.id}>
                <td>{r.name}</td>
                <td className="muted">{r.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}
