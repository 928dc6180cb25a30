import { loadWarehouses, warehouseName } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { EmptyState, EnabledBadge, ErrorNote, Loading, Logo, PageHeader, Panel } from '../components/ui.tsx'

export function WarehousesPage() {
  const warehouses = useApi(loadWarehouses, 'warehouses')
  return (
    <>
      <PageHeader
        title="Warehouses"
        subtitle="Your events as SQL tables, in Segment’s schema."
        actions={
          <Link to="/warehouses/new" className="button primary">
            Connect warehouse
          </Link>
        }
      />
      <Panel>
        <ErrorNote error={warehouses.error} />
        {!warehouses.data ? (
          <Loading what="warehouses" />
        ) : warehouses.data.length === 0 ? (
          <EmptyState
            title="No warehouses yet"
            action={
              <Link to="/warehouses/new" className="button primary">
                Connect a warehouse
              </Link>
            }
          >
            Connect PostgreSQL, a DuckDB file or a Parquet data lake; every source is loaded into it on a
            schedule.
          </EmptyState>
        ) : (
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Syncs every</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {warehouses.data.map((w) => (
                <tr key={w.id}>
                  <td>
                    <Link to={`/warehouses/${w.id}`} className="with-logo">
                      <Logo src={w.metadata.logos.default} name={w.metadata.name} />
                      {warehouseName(w)}
                    </Link>
                  </td>
                  <td>{w.metadata.name}</td>
                  <td>{String(w.settings.syncIntervalMinutes ?? 60)} min</td>
                  <td>
                    <EnabledBadge enabled={w.enabled} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  )
}
