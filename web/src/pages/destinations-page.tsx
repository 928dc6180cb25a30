import { loadDestinations, loadSources } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { ResourceTable } from '../components/resource-table.tsx'
import { EmptyState, ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

export function DestinationsPage() {
  const data = useApi(async () => {
    const [destinations, sources] = await Promise.all([loadDestinations(), loadSources()])
    return { destinations, sources }
  }, 'destinations')
  const sourceName = (id: string) => data.data?.sources.find((s) => s.id === id)?.name ?? id
  return (
    <>
      <PageHeader
        title="Destinations"
        subtitle="The tools your sources send events to."
        actions={
          <Link to="/destinations/catalog" className="button primary">
            Add destination
          </Link>
        }
      />
      <Panel>
        <ErrorNote error={data.error} />
        {!data.data ? (
          <Loading what="destinations" />
        ) : data.data.destinations.length === 0 ? (
          <EmptyState
            title="No destinations yet"
            action={
              <Link to="/destinations/catalog" className="button primary">
                Browse the catalog
              </Link>
            }
          >
            {data.data.sources.length === 0
              ? 'Add a source first: a destination receives the events of one source.'
              : 'Pick a tool from the catalog and connect it to a source.'}
          </EmptyState>
        ) : (
          <ResourceTable
            items={data.data.destinations}
            section="destinations"
            name={(d) => d.name}
            column={{
              heading: 'Source',
              cell: (d) => <Link to={`/sources/${d.sourceId}`}>{sourceName(d.sourceId)}</Link>,
            }}
          />
        )}
      </Panel>
    </>
  )
}
