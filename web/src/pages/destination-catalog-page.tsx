import { useState } from 'react'
import { loadDestinationCatalog } from '../api/queries.ts'
import { navigate } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { CatalogGrid } from '../components/catalog-grid.tsx'
import { ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

const PATH = '/destinations/catalog'

/** The destination catalog by category (Analytics, Advertising, CRM, …), kept in the URL: `?category=CRM`. */
export function DestinationCatalogPage() {
  const catalog = useApi(loadDestinationCatalog, 'destination-catalog')
  const [category, setCategory] = useState(
    () => new URLSearchParams(window.location.search).get('category') ?? 'All',
  )
  const pick = (next: string) => {
    setCategory(next)
    const query = next === 'All' ? '' : `?${new URLSearchParams({ category: next })}`
    // Same page, so no navigation (nor scrolling): only the address changes, for reloads and links.
    window.history.replaceState(null, '', `${PATH}${query}`)
  }
  return (
    <>
      <PageHeader
        title="Destination catalog"
        subtitle="The classic Webhooks destination and Segment’s Actions destinations, by category."
        back={{ to: '/destinations', label: 'Destinations' }}
      />
      <Panel>
        <ErrorNote error={catalog.error} />
        {catalog.data ? (
          <CatalogGrid
            entries={catalog.data}
            onPick={(e) => navigate(`/destinations/new/${e.id}`)}
            label="destinations"
            category={category}
            onCategory={pick}
          />
        ) : (
          <Loading what="the catalog" />
        )}
      </Panel>
    </>
  )
}
