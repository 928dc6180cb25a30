import { useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { CatalogEntry, Source } from '../api/models.ts'
import { loadSourceCatalog } from '../api/queries.ts'
import { navigate } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { CatalogGrid } from '../components/catalog-grid.tsx'
import { ErrorNote, Field, Loading, PageHeader, Panel } from '../components/ui.tsx'

/** Slugs are `a-z 0-9 _ -`; suggest one from the name. */
const slugOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100)

export function SourceNewPage() {
  const catalog = useApi(loadSourceCatalog, 'source-catalog')
  const [type, setType] = useState<CatalogEntry>()
  const [name, setName] = useState('')
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)
  const errors = fieldErrors(error)

  const create = async (event: FormEvent) => {
    event.preventDefault()
    if (!type) return
    setBusy(true)
    setError(undefined)
    try {
      const { source } = await api<{ source: Source }>('/sources', {
        method: 'POST',
        body: { slug: slugOf(name), name: name.trim(), enabled: true, metadataId: type.id },
      })
      navigate(`/sources/${source.id}`)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }

  return (
    <>
      <PageHeader
        title="Add a source"
        back={{ to: '/sources', label: 'Sources' }}
        subtitle="Pick what sends the events."
      />
      <Panel title="1. Source type">
        <ErrorNote error={catalog.error} />
        {catalog.data ? (
          <CatalogGrid entries={catalog.data} onPick={setType} selected={type?.id} label="source types" />
        ) : (
          <Loading />
        )}
      </Panel>
      {type && (
        <Panel title={`2. Name your ${type.name} source`}>
          <form onSubmit={(e) => void create(e)} className="form">
            <Field id="source-name" label="Name" error={errors.slug ?? errors.name}>
              <input
                id="source-name"
                required
                value={name}
                placeholder="My website"
                onChange={(e) => setName(e.target.value)}
              />
              <small className="hint">
                Slug: <code>{slugOf(name) || '…'}</code> (names the source in warehouse schemas)
              </small>
            </Field>
            <ErrorNote error={error && !errors.slug && !errors.name ? error : undefined} />
            <button type="submit" className="button primary" disabled={busy || !slugOf(name)}>
              {busy ? 'Creating…' : 'Create source'}
            </button>
          </form>
        </Panel>
      )}
    </>
  )
}
