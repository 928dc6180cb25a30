import type { ReactNode } from 'react'
import { HomePage } from '../pages/home-page.tsx'
import { LoginPage } from '../pages/login-page.tsx'
import { AcceptInvitePage } from '../pages/accept-invite-page.tsx'
import { SourcesPage } from '../pages/sources-page.tsx'
import { SourceNewPage } from '../pages/source-new-page.tsx'
import { SourcePage } from '../pages/source-page.tsx'
import { DebuggerPage } from '../pages/debugger-page.tsx'
import { DestinationsPage } from '../pages/destinations-page.tsx'
import { DestinationCatalogPage } from '../pages/destination-catalog-page.tsx'
import { DestinationNewPage } from '../pages/destination-new-page.tsx'
import { DestinationPage } from '../pages/destination-page.tsx'
import { WarehousesPage } from '../pages/warehouses-page.tsx'
import { WarehouseNewPage } from '../pages/warehouse-new-page.tsx'
import { WarehousePage } from '../pages/warehouse-page.tsx'
import { SettingsPage } from '../pages/settings-page.tsx'
import { SourceSchemaPage } from '../pages/source-schema-page.tsx'
import { SourceReplaysPage } from '../pages/source-replays-page.tsx'
import { DestinationMappingsPage } from '../pages/destination-mappings-page.tsx'
import { DestinationEventTesterPage } from '../pages/destination-event-tester-page.tsx'
import { DestinationFiltersPage } from '../pages/destination-filters-page.tsx'
import { DestinationLineagePage } from '../pages/destination-lineage-page.tsx'
import { Layout } from './layout.tsx'
import { matchPath, usePath } from './router.tsx'
import { useSession } from './session.tsx'

/**
 * The app's pages by path. Top-level sections (`/sources`, `/destinations`, `/warehouses`,
 * `/settings`) must be listed in the server's `APP_SECTIONS` (src/server/control-pages.ts) so
 * that a reload of a deep link gets the app.
 */
const ROUTES: Array<[string, (params: Record<string, string>) => ReactNode]> = [
  ['/', () => <HomePage />],
  ['/sources', () => <SourcesPage />],
  ['/sources/new', () => <SourceNewPage />],
  ['/sources/:id', (p) => <SourcePage id={p.id!} />],
  ['/sources/:id/debugger', (p) => <DebuggerPage sourceId={p.id!} />],
  ['/sources/:id/schema', (p) => <SourceSchemaPage sourceId={p.id!} />],
  ['/sources/:id/replays', (p) => <SourceReplaysPage sourceId={p.id!} />],
  ['/destinations', () => <DestinationsPage />],
  ['/destinations/catalog', () => <DestinationCatalogPage />],
  ['/destinations/new/:metadataId', (p) => <DestinationNewPage metadataId={p.metadataId!} />],
  ['/destinations/:id', (p) => <DestinationPage id={p.id!} />],
  ['/destinations/:id/mappings', (p) => <DestinationMappingsPage destinationId={p.id!} />],
  ['/destinations/:id/filters', (p) => <DestinationFiltersPage destinationId={p.id!} />],
  ['/destinations/:id/event-tester', (p) => <DestinationEventTesterPage destinationId={p.id!} />],
  ['/destinations/:id/lineage', (p) => <DestinationLineagePage destinationId={p.id!} />],
  ['/warehouses', () => <WarehousesPage />],
  ['/warehouses/new', () => <WarehouseNewPage />],
  ['/warehouses/:id', (p) => <WarehousePage id={p.id!} />],
  ['/settings', () => <SettingsPage tab="tokens" />],
  ['/settings/users', () => <SettingsPage tab="users" />],
  ['/settings/groups', () => <SettingsPage tab="groups" />],
  ['/settings/audit-trail', () => <SettingsPage tab="audit-trail" />],
]

export function App() {
  const path = usePath()
  const { session } = useSession()
  if (session.status === 'loading') return <p className="loading center">Loading…</p>
  // An invite's link works logged in or not: accepting it logs in as the invited person.
  if (path === '/accept-invite') return <AcceptInvitePage />
  if (session.status === 'anonymous') return <LoginPage notice={session.notice} />
  for (const [pattern, render] of ROUTES) {
    const params = matchPath(pattern, path)
    if (params) return <Layout key={session.workspace.id}>{render(params)}</Layout>
  }
  return (
    <Layout>
      <h1>Not found</h1>
      <p>There is no page at {path}.</p>
    </Layout>
  )
}
