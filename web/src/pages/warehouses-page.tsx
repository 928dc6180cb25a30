import { loadWarehouses, warehouseName } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { ResourceTable } from '../components/resource-table.tsx'
import { EmptyState, ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

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
          <ResourceTable
            items={warehouses.data}
            section="warehouses"
            name={warehouseName}
            column={{
              heading: 'Syncs every',
              cell: (w) => `${String(w.settings.syncIntervalMinutes ?? 60)} min`,
            }}
          />
        )}
      </Panel>
    </>
  )
}
