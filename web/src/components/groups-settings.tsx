import { useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors, listAll } from '../api/client.ts'
import type { GroupMember, Role, UserGroup, WorkspaceUser } from '../api/models.ts'
import { useSession } from '../app/session.tsx'
import { useApi } from '../app/use-api.ts'
import { GrantsEditor, PermissionList, useGrantTargets } from './grants-editor.tsx'
import { EmptyState, ErrorNote, Field, Loading, Panel } from './ui.tsx'
import { AccessNote } from './workspace-access.tsx'

/**
 * Settings → Groups (Segment's `IAMGroupsApi`): user groups, their members, and the roles every
 * member gets besides their own. Members are kept by email, so invited people can be added too.
 */
export function GroupsSettings() {
  const groups = useApi(() => listAll<UserGroup>('/groups', 'userGroups'), 'groups')
  const [openId, setOpenId] = useState<string>()
  const open = groups.data?.find((g) => g.id === openId)

  if (!groups.data)
    return (
      <Panel title="Groups">
        {groups.error ? <AccessNote error={groups.error} what="user groups" /> : <Loading />}
      </Panel>
    )
  return (
    <>
      <Panel title="Groups">
        <p className="muted">
          Give a team its access once: everyone in a group gets the group’s roles, besides their own.
        </p>
        <CreateGroupForm
          onCreated={(group) => {
            groups.reload()
            setOpenId(group.id)
          }}
        />
        {groups.data.length === 0 ? (
          <EmptyState title="No groups yet">
            Create one above (“Support”, “Marketing”), add its members, then give it roles.
          </EmptyState>
        ) : (
          <GroupsTable groups={groups.data} openId={openId} onOpen={setOpenId} />
        )}
      </Panel>
      {open && (
        <GroupDetail
          key={open.id}
          group={open}
          onChanged={groups.reload}
          onDeleted={() => {
            setOpenId(undefined)
            groups.reload()
          }}
        />
      )}
    </>
  )
}

function GroupsTable(props: { groups: UserGroup[]; openId: string | undefined; onOpen(id: string): void }) {
  const targets = useGrantTargets()
  return (
    <table className="table" aria-label="Groups">
      <thead>
        <tr>
          <th>Name</th>
          <th>Members</th>
          <th>Roles</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {props.groups.map((g) => (
          <tr key={g.id} className={g.id === props.openId ? 'selected-row' : undefined}>
            <td>{g.name}</td>
            <td>{g.memberCount}</td>
            <td>
              <PermissionList permissions={g.permissions} targets={targets.data} />
            </td>
            <td className="num">
              <button
                type="button"
                className="button small"
                aria-label={`Manage ${g.name}`}
                onClick={() => props.onOpen(g.id)}
              >
                Manage
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function CreateGroupForm({ onCreated }: { onCreated(group: UserGroup): void }) {
  const [name, setName] = useState('')
  const [error, setError] = useState<unknown>()
  const errors = fieldErrors(error)
  const create = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    try {
      const { userGroup } = await api<{ userGroup: UserGroup }>('/groups', { method: 'POST', body: { name } })
      setName('')
      onCreated(userGroup)
    } catch (e) {
      setError(e)
    }
  }
  return (
    <>
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <Field id="group-name" label="New group" error={errors.name}>
          <input
            id="group-name"
            required
            value={name}
            placeholder="Support"
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <button type="submit" className="button primary">
          Create group
        </button>
      </form>
      <ErrorNote error={error && !errors.name ? error : undefined} />
    </>
  )
}

/** One group: rename or delete it, its members, its roles. */
function GroupDetail(props: { group: UserGroup; onChanged(): void; onDeleted(): void }) {
  const { group } = props
  const { session } = useSession()
  const workspaceId = session.status === 'ready' ? session.workspace.id : ''
  const roles = useApi(() => listAll<Role>('/roles', 'roles'), 'roles')
  const targets = useGrantTargets()
  const [deleteError, setDeleteError] = useState<string>()

  const remove = async () => {
    if (!window.confirm(`Delete the group “${group.name}”? Its members lose the roles it gave them.`)) return
    setDeleteError(undefined)
    try {
      await api(`/groups/${group.id}`, { method: 'DELETE' })
      props.onDeleted()
    } catch (e) {
      setDeleteError(errorMessage(e))
    }
  }

  return (
    <Panel
      title={`Group: ${group.name}`}
      className="group-detail"
      actions={
        <button type="button" className="button small danger" onClick={() => void remove()}>
          Delete group
        </button>
      }
    >
      {deleteError && <p className="error-note">{deleteError}</p>}
      <RenameGroupForm group={group} onRenamed={props.onChanged} />
      <h3>Members</h3>
      <GroupMembers group={group} onChanged={props.onChanged} />
      <h3>Roles every member gets</h3>
      {roles.data ? (
        <GrantsEditor
          label={`Roles of ${group.name}`}
          workspaceId={workspaceId}
          roles={roles.data}
          permissions={group.permissions}
          targets={targets.data}
          emptyText="No roles yet: members get nothing from this group until you add one."
          save={async (permissions) => {
            await api(`/groups/${group.id}/permissions`, { method: 'PUT', body: { permissions } })
            props.onChanged()
          }}
        />
      ) : (
        <ErrorNote error={roles.error} />
      )}
    </Panel>
  )
}

function RenameGroupForm({ group, onRenamed }: { group: UserGroup; onRenamed(): void }) {
  const [name, setName] = useState(group.name)
  const [error, setError] = useState<unknown>()
  const errors = fieldErrors(error)
  const rename = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    try {
      await api(`/groups/${group.id}`, { method: 'PATCH', body: { name } })
      onRenamed()
    } catch (e) {
      setError(e)
    }
  }
  return (
    <>
      <form className="inline-form" onSubmit={(e) => void rename(e)}>
        <Field id={`rename-${group.id}`} label="Name" error={errors.name}>
          <input id={`rename-${group.id}`} required value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <button type="submit" className="button" disabled={name.trim() === group.name}>
          Rename
        </button>
      </form>
      <ErrorNote error={error && !errors.name ? error : undefined} />
    </>
  )
}

/** The group's members (users, and invited people not joined yet), add by email, remove. */
function GroupMembers({ group, onChanged }: { group: UserGroup; onChanged(): void }) {
  const members = useApi(async () => {
    const [users, invited] = await Promise.all([
      listAll<GroupMember>(`/groups/${group.id}/users`, 'users'),
      listAll<string>(`/groups/${group.id}/invites`, 'emails'),
    ])
    return { users, invited }
  }, `group-members-${group.id}-${group.memberCount}`)
  const everyone = useApi(() => listAll<WorkspaceUser>('/users', 'users'), 'users')
  const [email, setEmail] = useState('')
  const [error, setError] = useState<unknown>()
  const [removeError, setRemoveError] = useState<string>()
  // The API names the email it refuses: `emails[0]`.
  const emailError = fieldErrors(error)['emails[0]']

  const add = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    try {
      await api(`/groups/${group.id}/users`, { method: 'POST', body: { emails: [email.trim()] } })
      setEmail('')
      members.reload()
      onChanged()
    } catch (e) {
      setError(e)
    }
  }
  const remove = async (member: string) => {
    setRemoveError(undefined)
    try {
      await api(`/group/${group.id}/users`, { method: 'DELETE', query: { emails: member } })
      members.reload()
      onChanged()
    } catch (e) {
      setRemoveError(errorMessage(e))
    }
  }

  const inGroup = new Set([
    ...(members.data?.users.map((u) => u.email) ?? []),
    ...(members.data?.invited ?? []),
  ])
  const candidates = (everyone.data ?? []).filter((u) => !inGroup.has(u.email))
  const rows = [
    ...(members.data?.users.map((u) => ({ email: u.email, name: u.name || '—', joined: true })) ?? []),
    ...(members.data?.invited.map((e) => ({ email: e, name: 'Invited', joined: false })) ?? []),
  ]

  return (
    <>
      <form className="inline-form" onSubmit={(e) => void add(e)}>
        <Field id={`member-${group.id}`} label="Add a member by email" error={emailError}>
          <input
            id={`member-${group.id}`}
            type="email"
            required
            list={`member-options-${group.id}`}
            value={email}
            placeholder="someone@example.com"
            onChange={(e) => setEmail(e.target.value)}
          />
          <datalist id={`member-options-${group.id}`}>
            {candidates.map((u) => (
              <option key={u.id} value={u.email}>
                {u.name ?? u.email}
              </option>
            ))}
          </datalist>
        </Field>
        <button type="submit" className="button">
          Add member
        </button>
      </form>
      <ErrorNote error={error && !emailError ? error : undefined} />
      {removeError && <p className="error-note">{removeError}</p>}
      {!members.data ? (
        members.error ? (
          <ErrorNote error={members.error} />
        ) : (
          <Loading />
        )
      ) : rows.length === 0 ? (
        <EmptyState title="No members yet">
          Add people by email: workspace users, or people you invited who haven’t joined yet.
        </EmptyState>
      ) : (
        <table className="table" aria-label={`Members of ${group.name}`}>
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rows.map((m) => (
              <tr key={m.email}>
                <td className={m.joined ? undefined : 'muted'}>{m.name}</td>
                <td>{m.email}</td>
                <td className="num">
                  <button
                    type="button"
                    className="button small ghost"
                    aria-label={`Remove ${m.email} from ${group.name}`}
                    onClick={() => void remove(m.email)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}
