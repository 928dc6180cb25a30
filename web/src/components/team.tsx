import { useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors, listAll } from '../api/client.ts'
import type { InviteToken, Role, WorkspaceUser } from '../api/models.ts'
import { useSession } from '../app/session.tsx'
import { useApi, type Loaded } from '../app/use-api.ts'
import { GrantsEditor, PermissionList, useGrantTargets, type GrantTargets } from './grants-editor.tsx'
import { InviteLinks } from './invite-links.tsx'
import { Badge, EmptyState, ErrorNote, Field, Loading, Panel } from './ui.tsx'
import { AccessNote, isForbidden } from './workspace-access.tsx'

/** Settings → Users: the workspace's members and their access, its pending invites, the roles to grant. */
export function TeamSettings() {
  const roles = useApi(() => listAll<Role>('/roles', 'roles'), 'roles')
  const invites = useApi(() => listAll<string>('/invites', 'invites'), 'invites')
  const users = useApi(() => listAll<WorkspaceUser>('/users', 'users'), 'users')
  return (
    <>
      <Users users={users} roles={roles.data ?? []} />
      <Invites roles={roles} invites={invites} />
      <Roles roles={roles} />
    </>
  )
}

const OWNER = 'workspace-owner'
const MEMBER = 'workspace-member'
const isLevel = (roleId: string) => roleId === OWNER || roleId === MEMBER

/** The access level a user's permissions amount to, as `listUsers` shows them. */
export function accessLevel(user: WorkspaceUser): 'Workspace Owner' | 'Workspace Member' {
  return user.permissions.some((p) => p.roleId === OWNER) ? 'Workspace Owner' : 'Workspace Member'
}

function Users({ users, roles }: { users: Loaded<WorkspaceUser[]>; roles: Role[] }) {
  return (
    <Panel title="Users">
      {!users.data ? (
        users.error ? (
          <AccessNote error={users.error} what="the users of this workspace" />
        ) : (
          <Loading />
        )
      ) : users.data.length === 0 ? (
        <EmptyState title="No users yet">Invite people below; they join once they accept.</EmptyState>
      ) : (
        <UsersTable users={users.data} roles={roles} reload={users.reload} />
      )}
    </Panel>
  )
}

/** The members, each with "Edit access" (an editor under the row) and "Remove". */
function UsersTable(props: { users: WorkspaceUser[]; roles: Role[]; reload(): void }) {
  const { session } = useSession()
  const targets = useGrantTargets()
  const [editing, setEditing] = useState<string>()
  const [removeError, setRemoveError] = useState<string>()
  const me = session.status === 'ready' ? session.user?.id : undefined

  const remove = async (user: WorkspaceUser) => {
    const ok = window.confirm(
      `Remove ${user.email} from this workspace? Their roles and group memberships here go; their account stays.`,
    )
    if (!ok) return
    setRemoveError(undefined)
    try {
      await api('/users', { method: 'DELETE', query: { userIds: user.id } })
      if (editing === user.id) setEditing(undefined)
      props.reload()
    } catch (e) {
      setRemoveError(errorMessage(e))
    }
  }

  return (
    <>
      {removeError && <p className="error-note">{removeError}</p>}
      <table className="table" aria-label="Users">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Access</th>
            <th>Other roles</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.users.map((u) => {
            const others = u.permissions.filter((p) => !isLevel(p.roleId))
            return [
              <tr key={u.id}>
                <td>{u.name || '—'}</td>
                <td>{u.email}</td>
                <td>
                  <Badge tone={accessLevel(u) === 'Workspace Owner' ? 'good' : 'neutral'}>
                    {accessLevel(u)}
                  </Badge>
                </td>
                <td>
                  <PermissionList permissions={others} targets={targets.data} />
                </td>
                <td className="num nowrap">
                  <button
                    type="button"
                    className="button small"
                    aria-expanded={editing === u.id}
                    aria-label={`Edit access of ${u.email}`}
                    onClick={() => setEditing(editing === u.id ? undefined : u.id)}
                  >
                    Edit access
                  </button>{' '}
                  {u.id !== me && (
                    <button
                      type="button"
                      className="button small danger"
                      aria-label={`Remove ${u.email}`}
                      onClick={() => void remove(u)}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>,
              editing === u.id && (
                <tr key={`${u.id}-editor`} className="editor-row">
                  <td colSpan={5}>
                    <UserAccessEditor
                      user={u}
                      roles={props.roles}
                      targets={targets.data}
                      onSaved={props.reload}
                      onClose={() => setEditing(undefined)}
                    />
                  </td>
                </tr>
              ),
            ]
          })}
        </tbody>
      </table>
    </>
  )
}

/** One user's access: their level (Owner or Member) and their other roles, with what they apply to. */
function UserAccessEditor(props: {
  user: WorkspaceUser
  roles: Role[]
  targets: GrantTargets | undefined
  onSaved(): void
  onClose(): void
}) {
  const { user } = props
  const { session } = useSession()
  const workspaceId = session.status === 'ready' ? session.workspace.id : ''
  const [level, setLevel] = useState(accessLevel(user) === 'Workspace Owner' ? OWNER : MEMBER)
  const groups = useApi(
    () => listAll<{ id: string; name: string }>(`/users/${user.id}/groups`, 'groups'),
    `user-groups-${user.id}`,
  )
  return (
    <GrantsEditor
      label={`Access of ${user.email}`}
      workspaceId={workspaceId}
      roles={props.roles.filter((r) => !isLevel(r.id))}
      permissions={user.permissions.filter((p) => !isLevel(p.roleId))}
      targets={props.targets}
      leading={[{ roleId: level, resources: [{ type: 'WORKSPACE', id: workspaceId }] }]}
      emptyText="No other roles: besides their access level, this person sees the workspace and the catalog only."
      save={async (permissions) => {
        await api(`/users/${user.id}/permissions`, { method: 'PUT', body: { permissions } })
        props.onSaved()
      }}
      onClose={props.onClose}
    >
      <div className="field grants-level">
        <label htmlFor={`level-${user.id}`}>Access level</label>
        <select id={`level-${user.id}`} value={level} onChange={(e) => setLevel(e.target.value)}>
          <option value={OWNER}>Workspace Owner</option>
          <option value={MEMBER}>Workspace Member</option>
        </select>
        <span className="hint">
          Owners can do everything, including users, tokens and the audit trail. Members get what the roles
          below (and their groups’) allow.
        </span>
      </div>
      {groups.data && groups.data.length > 0 && (
        <p className="hint block">
          Also has the roles of {groups.data.length === 1 ? 'the group' : 'the groups'}{' '}
          {groups.data.map((g) => g.name).join(', ')} (Settings → Groups).
        </p>
      )}
    </GrantsEditor>
  )
}

function Invites({ roles, invites }: { roles: Loaded<Role[]>; invites: Loaded<string[]> }) {
  const [created, setCreated] = useState<InviteToken[]>()
  const [deleteError, setDeleteError] = useState<string>()

  if (isForbidden(invites.error))
    return (
      <Panel title="Invites">
        <AccessNote error={invites.error} what="inviting people" />
      </Panel>
    )

  const remove = async (email: string) => {
    if (!window.confirm(`Delete the invite of ${email}? Its link stops working.`)) return
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
        Invite people by email. Each invite has a link, valid for 7 days, that you pass on to them: they set
        their name and password there and join.
      </p>
      <InviteForm
        roles={roles.data ?? []}
        onInvited={(tokens) => {
          setCreated(tokens)
          invites.reload()
        }}
      />
      {created && created.length > 0 && <InviteLinks tokens={created} />}
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
  const [roleId, setRoleId] = useState(MEMBER)
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
        <Field id="invite-email" label="Email" error={errors.email}>
          <input
            id="invite-email"
            type="email"
            required
            value={email}
            placeholder="someone@example.com"
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field id="invite-role" label="Role" error={errors.permissions}>
          <select id="invite-role" value={roleId} onChange={(e) => setRoleId(e.target.value)}>
            {(props.roles.length ? props.roles : [{ id: MEMBER, name: 'Workspace Member' }]).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name}
              </option>
            ))}
          </select>
        </Field>
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
        What each role allows. Grant them with “Edit access” above, to groups (Settings → Groups), or when
        inviting.
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
