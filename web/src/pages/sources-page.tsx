import { loadSources } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { ResourceTable } from '../components/resource-table.tsx'
import { EmptyState, ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

export function SourcesPage() {
  const sources = useApi(loadSources, 'sources')
  return (
    <>
      <PageHeader
        title="Sources"
        subtitle="Everything that sends you events: websites, apps, servers."
        actions={
          <Link to="/sources/new" className="button primary">
            Add source
          </Link>
        }
      />
      <Panel>
        <ErrorNote error={sources.error} />
        {!sources.data ? (
          <Loading what="sources" />
        ) : sources.data.length === 0 ? (
          <EmptyState
            title="No sources yet"
            action={
              <Link to="/sources/new" className="button primary">
                Add your first source
              </Link>
            }
          >
            A source gives you a write key and the snippet to install. Events sent with it show up in its
            debugger.
          </EmptyState>
        ) : (
          <ResourceTable items={sources.data} section="sources" name={(s) => s.name} />
        )}
      </Panel>
    </>
  )
}
