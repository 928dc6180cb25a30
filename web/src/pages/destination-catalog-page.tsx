import { loadDestinationCatalog } from '../api/queries.ts'
import { navigate } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { CatalogGrid } from '../components/catalog-grid.tsx'
import { ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

export function DestinationCatalogPage() {
  const catalog = useApi(loadDestinationCatalog, 'destination-catalog')
  return (
    <>
      <PageHeader
        title="Destination catalog"
        subtitle="The classic Webhooks destination and Segment’s Actions destinations."
        back={{ to: '/destinations', label: 'Destinations' }}
      />
      <Panel>
        <ErrorNote error={catalog.error} />
        {catalog.data ? (
          <CatalogGrid
            entries={catalog.data}
            onPick={(e) => navigate(`/destinations/new/${e.id}`)}
            label="destinations"
          />
        ) : (
          <Loading what="the catalog" />
        )}
      </Panel>
    </>
  )
}
