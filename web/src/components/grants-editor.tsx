import { useId, useState, type FormEvent, type ReactNode } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { Permission, PermissionInput, Role, Source, SourceLabel, Warehouse } from '../api/models.ts'
import { loadSources, loadWarehouses, warehouseName } from '../api/queries.ts'
import { useApi, type Loaded } from '../app/use-api.ts'
import { ErrorNote, FieldError } from './ui.tsx'

/**
 * Editing what a user or a group may do: a list of roles, each on the whole workspace, on chosen
 * sources or warehouses, or on the sources carrying some labels (Segment's `PermissionInputV1`).
 */

/** Where a grant applies, as the editor offers it; `other` keeps resources it can't pick (functions, spaces). */
export type GrantScope = 'workspace' | 'sources' | 'labels' | 'warehouses' | 'other'

const SCOPE_NAMES: Record<GrantScope, string> = {
  workspace: 'The whole workspace',
  sources: 'Chosen sources',
  labels: 'Sources with labels',
  warehouses: 'Chosen warehouses',
  other: 'Functions or spaces (unchanged)',
}

type Resource = PermissionInput['resources'][number]

export interface GrantRow {
  key: number
  roleId: string
  scope: GrantScope
  /** The chosen sources or warehouses. */
  ids: string[]
  labels: Array<{ key: string; value: string }>
  other: Resource[]
}

/** The sources, warehouses and labels a grant can name. */
export interface GrantTargets {
  sources: Source[]
  warehouses: Warehouse[]
  labels: SourceLabel[]
}

export function useGrantTargets(): Loaded<GrantTargets> {
  return useApi(async () => {
    const [sources, warehouses, labels] = await Promise.all([
      loadSources(),
      loadWarehouses(),
      api<{ labels: SourceLabel[] }>('/labels').then((a) => a.labels),
    ])
    return { sources, warehouses, labels }
  }, 'grant-targets')
}

/** The scopes a role can be granted on (`listRoles`' `resourceTypes` and `labelScoped`). */
export function scopesOf(role: Role | undefined): GrantScope[] {
  const types = role?.resourceTypes ?? ['WORKSPACE']
  const scopes: GrantScope[] = []
  if (types.includes('WORKSPACE')) scopes.push('workspace')
  if (types.includes('SOURCE')) scopes.push('sources')
  if (role?.labelScoped) scopes.push('labels')
  if (types.includes('WAREHOUSE')) scopes.push('warehouses')
  return scopes
}

let nextKey = 1

/** The editor's rows for stored permissions: one per role and kind of resource. */
export function rowsFromPermissions(permissions: readonly Permission[]): GrantRow[] {
  const rows: GrantRow[] = []
  const row = (roleId: string, scope: GrantScope, extra: Partial<GrantRow> = {}): GrantRow => ({
    key: nextKey++,
    roleId,
    scope,
    ids: [],
    labels: [],
    other: [],
    ...extra,
  })
  for (const p of permissions) {
    const ofType = (type: string) => p.resources.filter((r) => r.type === type)
    for (const r of ofType('WORKSPACE'))
      rows.push(r.labels?.length ? row(p.roleId, 'labels', { labels: r.labels }) : row(p.roleId, 'workspace'))
    const sources = ofType('SOURCE')
    if (sources.length) rows.push(row(p.roleId, 'sources', { ids: sources.map((r) => r.id) }))
    const warehouses = ofType('WAREHOUSE')
    if (warehouses.length) rows.push(row(p.roleId, 'warehouses', { ids: warehouses.map((r) => r.id) }))
    const other = p.resources.filter((r) => !['WORKSPACE', 'SOURCE', 'WAREHOUSE'].includes(r.type))
    if (other.length) rows.push(row(p.roleId, 'other', { other }))
  }
  return rows
}

/** The permission inputs the rows amount to, as `replacePermissionsFor…` takes them. */
export function permissionsFromRows(rows: readonly GrantRow[], workspaceId: string): PermissionInput[] {
  return rows.map((row) => {
    const resources: Resource[] =
      row.scope === 'workspace'
        ? [{ type: 'WORKSPACE', id: workspaceId }]
        : row.scope === 'labels'
          ? [{ type: 'WORKSPACE', id: workspaceId, labels: row.labels }]
          : row.scope === 'sources'
            ? row.ids.map((id) => ({ type: 'SOURCE', id }))
            : row.scope === 'warehouses'
              ? row.ids.map((id) => ({ type: 'WAREHOUSE', id }))
              : row.other
    return { roleId: row.roleId, resources }
  })
}

/** A permission in words: "Source Admin on Website, Shop", "Source Read-only on sources labelled env: prod". */
export function describePermission(p: Permission, targets: GrantTargets | undefined): string {
  const name = (r: Permission['resources'][number]) => {
    if (r.type === 'SOURCE') return targets?.sources.find((s) => s.id === r.id)?.name ?? `source ${r.id}`
    if (r.type === 'WAREHOUSE') {
      const w = targets?.warehouses.find((x) => x.id === r.id)
      return w ? warehouseName(w) : `warehouse ${r.id}`
    }
    if (r.type === 'WORKSPACE')
      return r.labels?.length
        ? `sources labelled ${r.labels.map((l) => `${l.key}: ${l.value}`).join(' and ')}`
        : 'the workspace'
    return `${r.type.toLowerCase()} ${r.id}`
  }
  return `${p.roleName} on ${p.resources.map(name).join(', ')}`
}

/** Permissions in words, one a line, for a table cell; a dash when there are none. */
export function PermissionList(props: {
  permissions: readonly Permission[]
  targets: GrantTargets | undefined
}) {
  if (props.permissions.length === 0) return '—'
  return props.permissions.map((p, i) => (
    <div key={i} className="small">
      {describePermission(p, props.targets)}
    </div>
  ))
}

const sameLabel = (a: { key: string; value: string }, b: { key: string; value: string }) =>
  a.key === b.key && a.value === b.value

/**
 * The editor. `leading` are inputs saved before the rows (a user's access level, chosen in
 * `children`), so that the API's problems (`permissions[2].resources`) land on the right row.
 */
export function GrantsEditor(props: {
  label: string
  workspaceId: string
  roles: Role[]
  permissions: Permission[]
  targets: GrantTargets | undefined
  leading?: PermissionInput[]
  children?: ReactNode
  emptyText: string
  save(permissions: PermissionInput[]): Promise<void>
  onClose?(): void
}) {
  const id = useId()
  const [rows, setRows] = useState(() => rowsFromPermissions(props.permissions))
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState(false)
  const leading = props.leading ?? []
  const errors = fieldErrors(error)
  const rowError = (i: number) => errors[`permissions[${i + leading.length}]`]
  const placed = rows.some((_, i) => rowError(i))

  const change = (key: number, patch: Partial<GrantRow>) => {
    setSaved(false)
    setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r)))
  }
  const changeRole = (row: GrantRow, roleId: string) => {
    const scopes = scopesOf(props.roles.find((r) => r.id === roleId))
    change(row.key, { roleId, ...(!scopes.includes(row.scope) && { scope: scopes[0] ?? 'workspace' }) })
  }
  const add = () => {
    setSaved(false)
    const roleId =
      props.roles.find((r) => r.id !== 'workspace-owner' && r.id !== 'workspace-member')?.id ?? ''
    setRows((rs) => [...rs, { key: nextKey++, roleId, scope: 'workspace', ids: [], labels: [], other: [] }])
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    setSaved(false)
    try {
      await props.save([...leading, ...permissionsFromRows(rows, props.workspaceId)])
      setSaved(true)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="grants-editor" aria-label={props.label} onSubmit={(e) => void submit(e)}>
      {props.children}
      {rows.length === 0 && <p className="muted small">{props.emptyText}</p>}
      {rows.map((row, i) => {
        const role = props.roles.find((r) => r.id === row.roleId)
        const scopes = row.scope === 'other' ? (['other'] as GrantScope[]) : scopesOf(role)
        const message = rowError(i)
        return (
          <div
            key={row.key}
            className={`grant-row ${message ? 'has-error' : ''}`}
            role="group"
            aria-label={`Role ${i + 1}`}
          >
            <div className="grant-row-fields">
              <div className="field">
                <label htmlFor={`${id}-role-${row.key}`}>Role</label>
                <select
                  id={`${id}-role-${row.key}`}
                  value={row.roleId}
                  disabled={row.scope === 'other'}
                  onChange={(e) => changeRole(row, e.target.value)}
                >
                  {!role && <option value={row.roleId}>{row.roleId || 'Pick a role'}</option>}
                  {props.roles.map((r) => (
                    <option key={r.id} value={r.id}>
                      {r.name}
                    </option>
                  ))}
                </select>
              </div>
              <div className="field">
                <label htmlFor={`${id}-scope-${row.key}`}>Applies to</label>
                <select
                  id={`${id}-scope-${row.key}`}
                  value={row.scope}
                  disabled={row.scope === 'other'}
                  onChange={(e) => change(row.key, { scope: e.target.value as GrantScope })}
                >
                  {scopes.map((s) => (
                    <option key={s} value={s}>
                      {SCOPE_NAMES[s]}
                    </option>
                  ))}
                </select>
              </div>
              <button
                type="button"
                className="button small ghost"
                aria-label={`Remove role ${i + 1}`}
                onClick={() => {
                  setSaved(false)
                  setRows((rs) => rs.filter((r) => r.key !== row.key))
                }}
              >
                Remove
              </button>
            </div>
            <GrantPicks row={row} targets={props.targets} onChange={(patch) => change(row.key, patch)} />
            {role && row.scope !== 'other' && <p className="hint">{role.description}</p>}
            <FieldError message={message} />
          </div>
        )
      })}
      <ErrorNote error={error && !placed ? error : undefined} />
      <div className="grants-actions">
        <button type="button" className="button small" onClick={add}>
          Add a role
        </button>
        <span className="grants-save">
          {saved && (
            <span className="muted small" role="status">
              Saved.
            </span>
          )}
          {props.onClose && (
            <button type="button" className="button ghost" onClick={props.onClose}>
              Close
            </button>
          )}
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save access'}
          </button>
        </span>
      </div>
    </form>
  )
}

/** The sources, warehouses or labels a row applies to, as checkboxes. */
function GrantPicks(props: {
  row: GrantRow
  targets: GrantTargets | undefined
  onChange(patch: Partial<GrantRow>): void
}) {
  const { row, targets } = props
  if (row.scope === 'workspace') return null
  if (row.scope === 'other')
    return (
      <p className="hint">
        {row.other.map((r) => `${r.type.toLowerCase()} ${r.id}`).join(', ')}: kept as they are (edit them
        through the Public API).
      </p>
    )
  if (!targets) return <p className="loading small">Loading…</p>
  const toggleId = (id: string, on: boolean) =>
    props.onChange({ ids: on ? [...row.ids, id] : row.ids.filter((x) => x !== id) })

  if (row.scope === 'labels') {
    if (targets.labels.length === 0)
      return (
        <p className="hint">
          No labels yet. A Workspace Owner creates them (Public API <code>createLabel</code>) and puts them on
          sources; then they can narrow this role.
        </p>
      )
    return (
      <fieldset className="grant-picks">
        <legend className="field-label">Sources carrying all of these labels</legend>
        {targets.labels.map((l) => {
          const on = row.labels.some((x) => sameLabel(x, l))
          return (
            <label key={`${l.key}:${l.value}`} className="check">
              <input
                type="checkbox"
                checked={on}
                onChange={(e) =>
                  props.onChange({
                    labels: e.target.checked
                      ? [...row.labels, { key: l.key, value: l.value }]
                      : row.labels.filter((x) => !sameLabel(x, l)),
                  })
                }
              />
              <span>
                {l.key}: {l.value}
              </span>
            </label>
          )
        })}
      </fieldset>
    )
  }

  const items =
    row.scope === 'sources'
      ? targets.sources.map((s) => ({ id: s.id, name: s.name }))
      : targets.warehouses.map((w) => ({ id: w.id, name: warehouseName(w) }))
  // Granted resources this list doesn't know (deleted since) stay visible, so they can be dropped.
  for (const id of row.ids) if (!items.some((x) => x.id === id)) items.push({ id, name: id })
  const kind = row.scope === 'sources' ? 'sources' : 'warehouses'
  if (items.length === 0)
    return <p className="hint">No {kind} yet: add one first, or grant the whole workspace.</p>
  return (
    <fieldset className="grant-picks">
      <legend className="field-label">{row.scope === 'sources' ? 'Sources' : 'Warehouses'}</legend>
      {items.map((item) => (
        <label key={item.id} className="check">
          <input
            type="checkbox"
            checked={row.ids.includes(item.id)}
            onChange={(e) => toggleId(item.id, e.target.checked)}
          />
          <span>{item.name}</span>
        </label>
      ))}
    </fieldset>
  )
}
