import { Fragment, useState } from 'react'
import { api, errorMessage, listAll } from '../api/client.ts'
import type { ApiToken, AuditEvent, WorkspaceUser } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { EmptyState, ErrorNote, Loading, Panel, formatTime } from './ui.tsx'

const PAGE_SIZE = 50

const RANGES = {
  '1h': { label: 'Last hour', ms: 3600_000 },
  '24h': { label: 'Last 24 hours', ms: 24 * 3600_000 },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3600_000 },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 3600_000 },
  all: { label: 'All kept', ms: 0 },
} as const
type Range = keyof typeof RANGES

/** The resource types the Public API records changes of. */
const RESOURCE_TYPES = [
  'source',
  'destination',
  'warehouse',
  'token',
  'user',
  'invite',
  'user_group',
  'label',
  'workspace',
]

interface Filters {
  range: Range
  actor: string
  resourceType: string
}

interface AuditPage {
  events: AuditEvent[]
  pagination?: { next?: string | null }
}

const loadPage = (filters: Filters, cursor?: string, signal?: AbortSignal) =>
  api<AuditPage>('/audit-events', {
    query: {
      startTime:
        filters.range === 'all' ? undefined : new Date(Date.now() - RANGES[filters.range].ms).toISOString(),
      actor: filters.actor || undefined,
      resourceType: filters.resourceType || undefined,
      'pagination[count]': PAGE_SIZE,
      'pagination[cursor]': cursor,
    },
    ...(signal && { signal }),
  })

/** Settings → Audit trail: every change to the workspace, newest first, with filters. */
export function AuditTrail() {
  const [filters, setFilters] = useState<Filters>({ range: '7d', actor: '', resourceType: '' })
  const key = JSON.stringify(filters)
  const first = useApi((signal) => loadPage(filters, undefined, signal), `audit:${key}`)
  /** Pages after the first, for the filters they were loaded with. */
  const [more, setMore] = useState<{ key: string; events: AuditEvent[]; next: string | null | undefined }>()
  const [moreError, setMoreError] = useState<string>()
  const [loadingMore, setLoadingMore] = useState(false)

  const extra = more?.key === key ? more : undefined
  const events = [...(first.data?.events ?? []), ...(extra?.events ?? [])]
  const next = extra ? extra.next : first.data?.pagination?.next

  const loadMore = async () => {
    if (!next) return
    setLoadingMore(true)
    setMoreError(undefined)
    try {
      const page = await loadPage(filters, next)
      setMore({ key, events: [...(extra?.events ?? []), ...page.events], next: page.pagination?.next })
    } catch (e) {
      setMoreError(errorMessage(e))
    } finally {
      setLoadingMore(false)
    }
  }

  return (
    <Panel title="Audit trail">
      <p className="muted">
        Every change made to this workspace, by whom, with the resource before and after.
      </p>
      <AuditFilters filters={filters} onChange={setFilters} />
      {!first.data ? (
        first.error ? (
          <ErrorNote error={first.error} />
        ) : (
          <Loading />
        )
      ) : events.length === 0 ? (
        <EmptyState title="No changes to show">
          Widen the time range or clear the filters; changes appear here as people and tokens make them.
        </EmptyState>
      ) : (
        <>
          <ErrorNote error={first.error} />
          <AuditTable events={events} />
          {moreError && <p className="error-note">{moreError}</p>}
          {next && (
            <button type="button" className="button" disabled={loadingMore} onClick={() => void loadMore()}>
              {loadingMore ? 'Loading…' : 'Load more'}
            </button>
          )}
        </>
      )}
    </Panel>
  )
}

/** Who can appear as an actor: the users, the API tokens and Switchyard itself. */
async function loadActors(): Promise<Array<{ id: string; label: string }>> {
  const [users, tokens] = await Promise.all([
    listAll<WorkspaceUser>('/users', 'users').catch(() => []),
    listAll<ApiToken>('/tokens', 'tokens').catch(() => []),
  ])
  return [
    ...users.map((u) => ({ id: u.id, label: u.email })),
    ...tokens.map((t) => ({ id: t.id, label: `Token: ${t.description}` })),
    { id: 'switchyard', label: 'Switchyard' },
  ]
}

function AuditFilters(props: { filters: Filters; onChange(next: Filters): void }) {
  const actors = useApi(loadActors, 'audit-actors')
  const { filters, onChange } = props
  return (
    <div className="inline-form audit-filters">
      <div className="field">
        <label htmlFor="audit-range">Time range</label>
        <select
          id="audit-range"
          value={filters.range}
          onChange={(e) => onChange({ ...filters, range: e.target.value as Range })}
        >
          {Object.entries(RANGES).map(([value, r]) => (
            <option key={value} value={value}>
              {r.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-actor">Actor</label>
        <select
          id="audit-actor"
          value={filters.actor}
          onChange={(e) => onChange({ ...filters, actor: e.target.value })}
        >
          <option value="">Anyone</option>
          {(actors.data ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {a.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="audit-resource-type">Resource type</label>
        <select
          id="audit-resource-type"
          value={filters.resourceType}
          onChange={(e) => onChange({ ...filters, resourceType: e.target.value })}
        >
          <option value="">Any</option>
          {RESOURCE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </div>
    </div>
  )
}

function AuditTable({ events }: { events: AuditEvent[] }) {
  const [open, setOpen] = useState<string>()
  return (
    <table className="table" aria-label="Audit events">
      <thead>
        <tr>
          <th>Time</th>
          <th>Actor</th>
          <th>Action</th>
          <th>Resource</th>
        </tr>
      </thead>
      <tbody>
        {events.map((e) => (
          <Fragment key={e.id}>
            <tr>
              <td className="nowrap">{formatTime(e.timestamp)}</td>
              <td>{e.actorType === 'system' ? 'Switchyard' : e.actorName}</td>
              <td>
                <button
                  type="button"
                  className="link-button"
                  aria-expanded={open === e.id}
                  onClick={() => setOpen(open === e.id ? undefined : e.id)}
                >
                  {e.type}
                </button>
              </td>
              <td>
                <span className="type">{e.resourceType}</span> {e.resourceName}
              </td>
            </tr>
            {open === e.id && (
              <tr>
                <td colSpan={4}>
                  <AuditChange event={e} />
                </td>
              </tr>
            )}
          </Fragment>
        ))}
      </tbody>
    </table>
  )
}

function AuditChange({ event }: { event: AuditEvent }) {
  return (
    <div className="audit-change">
      {(['before', 'after'] as const).map((side) => (
        <div key={side}>
          <div className="field-label">{side === 'before' ? 'Before' : 'After'}</div>
          <pre className="raw-json" aria-label={`${side === 'before' ? 'Before' : 'After'} ${event.type}`}>
            {JSON.stringify(event[side], null, 2)}
          </pre>
        </div>
      ))}
    </div>
  )
}
