import { useState } from 'react'
import { api, errorMessage, listAll } from '../api/client.ts'
import type { Destination, DestinationFilter, FilterAction } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { DestinationFrame } from '../components/destination-frame.tsx'
import { FilterEditor } from '../components/filter-editor.tsx'
import { fieldsToPaths } from '../components/filter-fql.ts'
import { EmptyState, ErrorNote, Loading, Panel, Toggle } from '../components/ui.tsx'

/** Segment's limit on filters per destination. */
const MAX_FILTERS = 10

/**
 * A destination's filters (Segment's Destination Filters): which events it gets and what they
 * hold. The list with each filter's switch, and the editor with its live preview.
 */
export function DestinationFiltersPage({ destinationId }: { destinationId: string }) {
  return (
    <DestinationFrame destinationId={destinationId} tab="filters">
      {(d) => <Filters destination={d} />}
    </DestinationFrame>
  )
}

function Filters({ destination }: { destination: Destination }) {
  const destinationId = destination.id
  const filters = useApi(
    () => listAll<DestinationFilter>(`/destination/${destinationId}/filters`, 'filters'),
    `filters-${destinationId}`,
  )
  /** The filter being edited: `new`, or one of the list. */
  const [editing, setEditing] = useState<DestinationFilter | 'new'>()
  const [notice, setNotice] = useState<string>()
  const list = filters.data ?? []

  return editing ? (
    <FilterEditor
      key={editing === 'new' ? 'new' : editing.id}
      destinationId={destinationId}
      sourceId={destination.sourceId}
      filter={editing === 'new' ? undefined : editing}
      onCancel={() => setEditing(undefined)}
      onSaved={(saved) => {
        setEditing(undefined)
        setNotice(
          `Saved “${saved.title}”. ${saved.enabled ? 'Delivery applies it to new events within a few seconds.' : 'It is disabled: nothing changes until you enable it.'}`,
        )
        filters.reload()
      }}
    />
  ) : (
    <>
      {notice && (
        <p className="notice filter-notice" role="status">
          {notice}
        </p>
      )}
      <Panel
        title="Filters"
        actions={
          list.length > 0 && (
            <button
              type="button"
              className="button primary"
              disabled={list.length >= MAX_FILTERS}
              title={
                list.length >= MAX_FILTERS ? `A destination holds at most ${MAX_FILTERS} filters` : undefined
              }
              onClick={() => {
                setNotice(undefined)
                setEditing('new')
              }}
            >
              New filter
            </button>
          )
        }
      >
        <p className="muted filter-intro">
          Filters decide which events this destination gets and what they hold: drop events, send a sample of
          them, or drop fields. They apply only to this destination, in the order below; other destinations
          and warehouses still get everything.
        </p>
        {filters.error ? (
          <ErrorNote error={filters.error} />
        ) : !filters.data ? (
          <Loading what="the filters" />
        ) : list.length === 0 ? (
          <EmptyState
            title="No filters yet"
            action={
              <button type="button" className="button primary" onClick={() => setEditing('new')}>
                Create a filter
              </button>
            }
          >
            This destination gets every event of its source. Add a filter to keep test traffic or personal
            data away from it, or to send only a sample.
          </EmptyState>
        ) : (
          <FilterTable
            destinationId={destinationId}
            filters={list}
            onEdit={(f) => {
              setNotice(undefined)
              setEditing(f)
            }}
            onChanged={(message) => {
              setNotice(message)
              filters.reload()
            }}
          />
        )}
      </Panel>
    </>
  )
}

/** The filters with their switch, condition and action; edit and delete. */
function FilterTable(props: {
  destinationId: string
  filters: DestinationFilter[]
  onEdit(filter: DestinationFilter): void
  onChanged(message: string | undefined): void
}) {
  const [error, setError] = useState<string>()
  const [busy, setBusy] = useState<string>()
  const path = (f: DestinationFilter) => `/destination/${props.destinationId}/filters/${f.id}`

  const setEnabled = async (f: DestinationFilter, enabled: boolean) => {
    setError(undefined)
    setBusy(f.id)
    try {
      await api(path(f), { method: 'PATCH', body: { enabled } })
      props.onChanged(undefined)
    } catch (e) {
      setError(`Couldn’t ${enabled ? 'enable' : 'disable'} “${f.title}”: ${errorMessage(e)}`)
    } finally {
      setBusy(undefined)
    }
  }
  const remove = async (f: DestinationFilter) => {
    if (!window.confirm(`Delete the filter “${f.title}”? The destination gets the events it kept away.`))
      return
    setError(undefined)
    setBusy(f.id)
    try {
      await api(path(f), { method: 'DELETE' })
      props.onChanged(`Deleted “${f.title}”.`)
    } catch (e) {
      setError(`Couldn’t delete “${f.title}”: ${errorMessage(e)}`)
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <>
      {error && <p className="error-note">{error}</p>}
      <table className="table filter-table" aria-label="Filters">
        <thead>
          <tr>
            <th>Filter</th>
            <th>If</th>
            <th>Then</th>
            <th>Enabled</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {props.filters.map((f) => (
            <tr key={f.id} className={f.enabled ? '' : 'filter-disabled'}>
              <td>
                <strong>{f.title}</strong>
                {f.description && <div className="muted small">{f.description}</div>}
              </td>
              <td>
                <code className="filter-condition">{f.if}</code>
              </td>
              <td>{f.actions.map(describeAction).join('; then ')}</td>
              <td>
                <Toggle
                  checked={f.enabled}
                  disabled={busy === f.id}
                  onChange={(v) => void setEnabled(f, v)}
                  label={f.enabled ? 'On' : 'Off'}
                />
              </td>
              <td className="nowrap">
                <button
                  type="button"
                  className="button small"
                  aria-label={`Edit ${f.title}`}
                  onClick={() => props.onEdit(f)}
                >
                  Edit
                </button>{' '}
                <button
                  type="button"
                  className="button small danger"
                  aria-label={`Delete ${f.title}`}
                  disabled={busy === f.id}
                  onClick={() => void remove(f)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

/** An action in words: `drop the event`, `send 10% (by userId)`, `drop properties.email`. */
function describeAction(action: FilterAction): string {
  switch (action.type) {
    case 'DROP':
      return 'drop the event'
    case 'SAMPLE':
      return `send ${Math.round(action.percent * 10_000) / 100}%${action.path ? ` (by ${action.path})` : ''}`
    case 'DROP_PROPERTIES':
      return `drop ${fieldsToPaths(action.fields).join(', ')}`
    case 'ALLOW_PROPERTIES':
      return `keep only ${fieldsToPaths(action.fields).join(', ')}`
  }
}
