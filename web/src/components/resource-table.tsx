import type { ReactNode } from 'react'
import type { CatalogEntry } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { EnabledBadge, Logo } from './ui.tsx'

/** What the sources, destinations and warehouses lists show of each resource. */
export interface ListedResource {
  id: string
  enabled: boolean
  metadata: Pick<CatalogEntry, 'name' | 'logos'>
}

/**
 * The table of a resource list page: each resource's logo and name (linked to its page under
 * `/<section>/`), its type, the page's own column if any, and whether it is enabled.
 */
export function ResourceTable<R extends ListedResource>(props: {
  items: readonly R[]
  section: 'sources' | 'destinations' | 'warehouses'
  name: (resource: R) => string
  column?: { heading: string; cell: (resource: R) => ReactNode }
}) {
  const { column } = props
  return (
    <table className="table">
      <thead>
        <tr>
          <th>Name</th>
          <th>Type</th>
          {column && <th>{column.heading}</th>}
          <th>Status</th>
        </tr>
      </thead>
      <tbody>
        {props.items.map((r) => (
          <tr key={r.id}>
            <td>
              <Link to={`/${props.section}/${r.id}`} className="with-logo">
                <Logo src={r.metadata.logos.default} name={r.metadata.name} />
                {props.name(r)}
              </Link>
            </td>
            <td>{r.metadata.name}</td>
            {column && <td>{column.cell(r)}</td>}
            <td>
              <EnabledBadge enabled={r.enabled} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
