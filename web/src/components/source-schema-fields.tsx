import { listAll } from '../api/client.ts'
import type { SchemaField } from '../api/models.ts'
import { useApi } from '../app/use-api.ts'
import { EmptyState, ErrorNote, Loading, formatCount, formatTime } from './ui.tsx'

/** Which fields of a source's schema to list: a row's properties, or the identify or group traits. */
export type SchemaFieldsOf =
  | { kind: 'properties'; type: 'track' | 'page' | 'screen'; event: string }
  | { kind: 'traits'; type: 'identify' | 'group' }

/** Loads the properties of one event row, or the traits of identify or group calls. */
export function loadSchemaFields(sourceId: string, of: SchemaFieldsOf): Promise<SchemaField[]> {
  if (of.kind === 'traits')
    return listAll<SchemaField>(`/sources/${sourceId}/schema/traits`, 'traits', { type: of.type })
  return listAll<SchemaField>(`/sources/${sourceId}/schema/properties`, 'properties', {
    type: of.type,
    // Unnamed pages and screens are listed without an event name.
    event: of.event === '' ? undefined : of.event,
  })
}

/**
 * The properties or traits seen, each with how many calls carried it and when. `calls` (the row's
 * total) adds each field's share of them; `search` keeps the paths that contain it.
 */
export function SchemaFieldsTable(props: {
  sourceId: string
  of: SchemaFieldsOf
  label: string
  calls?: number
  search?: string
  refreshMs?: number
  empty: { title: string; hint: string }
}) {
  const { sourceId, of } = props
  const key = `schema-fields-${sourceId}-${of.kind}-${of.type}-${of.kind === 'properties' ? of.event : ''}`
  const fields = useApi(() => loadSchemaFields(sourceId, of), key, props.refreshMs)
  const needle = props.search?.trim().toLowerCase() ?? ''

  if (!fields.data)
    return fields.error ? <ErrorNote error={fields.error} /> : <Loading what={props.of.kind} />
  if (fields.data.length === 0) return <EmptyState title={props.empty.title}>{props.empty.hint}</EmptyState>
  const shown = needle ? fields.data.filter((f) => f.path.toLowerCase().includes(needle)) : fields.data
  if (shown.length === 0) return <EmptyState title={`No ${of.kind} match “${props.search}”`} />
  return (
    <table className="table schema-fields" aria-label={props.label}>
      <thead>
        <tr>
          <th>{of.kind === 'traits' ? 'Trait' : 'Property'}</th>
          <th className="num">Seen in</th>
          <th>First seen</th>
          <th>Last seen</th>
        </tr>
      </thead>
      <tbody>
        {shown.map((f) => (
          <tr key={f.path}>
            <td>
              <code>{f.path}</code>
            </td>
            <td className="num nowrap">
              {formatCount(f.count)}
              {props.calls ? (
                <span className="muted small"> ({Math.round((f.count / props.calls) * 100)}%)</span>
              ) : null}
            </td>
            <td className="muted small">{formatTime(f.firstSeenAt)}</td>
            <td className="muted small">{formatTime(f.lastSeenAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
