import { useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors, listAll } from '../api/client.ts'
import type { ApiToken } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import {
  Badge,
  CopyBlock,
  EmptyState,
  ErrorNote,
  Field,
  formatTime,
  Loading,
  PageHeader,
  Panel,
  Tabs,
} from '../components/ui.tsx'
import { AuditTrail } from '../components/audit-trail.tsx'
import { GroupsSettings } from '../components/groups-settings.tsx'
import { TeamSettings } from '../components/team.tsx'
import { AccessNote, isForbidden } from '../components/workspace-access.tsx'

export type SettingsTab = 'tokens' | 'users' | 'groups' | 'audit-trail'

const TABS = [
  { to: '/settings', label: 'API tokens' },
  { to: '/settings/users', label: 'Users' },
  { to: '/settings/groups', label: 'Groups' },
  { to: '/settings/audit-trail', label: 'Audit trail' },
]

/** Workspace settings: API tokens, users and invites, user groups, the audit trail. */
export function SettingsPage({ tab }: { tab: SettingsTab }) {
  return (
    <>
      <PageHeader title="Settings" subtitle="Access to this workspace." />
      <Tabs tabs={TABS} current={tab === 'tokens' ? '/settings' : `/settings/${tab}`} />
      {tab === 'tokens' && <ApiTokens />}
      {tab === 'users' && <TeamSettings />}
      {tab === 'groups' && <GroupsSettings />}
      {tab === 'audit-trail' && <AuditTrail />}
    </>
  )
}

function ApiTokens() {
  const tokens = useApi(() => listAll<ApiToken>('/tokens', 'tokens'), 'tokens')
  const [description, setDescription] = useState('')
  const [role, setRole] = useState('Workspace Member')
  const [created, setCreated] = useState<{ token: ApiToken; secret: string }>()
  const [error, setError] = useState<unknown>()
  const [revokeError, setRevokeError] = useState<string>()
  const errors = fieldErrors(error)

  const create = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    try {
      setCreated(
        await api<{ token: ApiToken; secret: string }>('/tokens', {
          method: 'POST',
          body: { description, role },
        }),
      )
      setDescription('')
      tokens.reload()
    } catch (e) {
      setError(e)
    }
  }
  const revoke = async (token: ApiToken) => {
    if (!window.confirm(`Revoke “${token.description}”? Anything using it stops working at once.`)) return
    setRevokeError(undefined)
    try {
      await api(`/tokens/${token.id}`, { method: 'DELETE' })
      tokens.reload()
    } catch (e) {
      setRevokeError(errorMessage(e))
    }
  }

  if (isForbidden(tokens.error))
    return (
      <Panel title="API tokens">
        <AccessNote error={tokens.error} what="API tokens" />
      </Panel>
    )

  return (
    <Panel title="API tokens">
      <p className="muted">
        Tokens let scripts, Terraform and Segment’s SDKs use the Public API. Each belongs to this workspace.
      </p>
      <form className="inline-form" onSubmit={(e) => void create(e)}>
        <Field id="token-description" label="Description" error={errors.description}>
          <input
            id="token-description"
            required
            value={description}
            placeholder="CI deploys"
            onChange={(e) => setDescription(e.target.value)}
          />
        </Field>
        <div className="field">
          <label htmlFor="token-role">Access</label>
          <select id="token-role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option>Workspace Member</option>
            <option>Workspace Owner</option>
          </select>
        </div>
        <button type="submit" className="button primary">
          Create token
        </button>
      </form>
      <ErrorNote error={error && !errors.description ? error : undefined} />
      {created && (
        <div className="secret-once" role="status">
          <strong>Copy the secret of “{created.token.description}” now: it is not shown again.</strong>
          <CopyBlock text={created.secret} label="New token secret" />
        </div>
      )}
      {revokeError && <p className="error-note">{revokeError}</p>}
      {!tokens.data ? (
        tokens.error ? (
          <ErrorNote error={tokens.error} />
        ) : (
          <Loading />
        )
      ) : tokens.data.length === 0 ? (
        <EmptyState title="No tokens">
          Create one for each script or tool, so that you can revoke them one by one.
        </EmptyState>
      ) : (
        <table className="table" aria-label="API tokens">
          <thead>
            <tr>
              <th>Description</th>
              <th>Access</th>
              <th>Secret</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <td>{t.description}</td>
                <td>{t.role}</td>
                <td>
                  <code>…{t.secretHint}</code>
                </td>
                <td>{formatTime(t.lastUsedAt)}</td>
                <td className="num">
                  {t.revokedAt ? (
                    <Badge tone="neutral">Revoked</Badge>
                  ) : (
                    <button type="button" className="button small danger" onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  )
}
