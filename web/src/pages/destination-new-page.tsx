import { useEffect, useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { CatalogEntry, Destination } from '../api/models.ts'
import { loadSources } from '../api/queries.ts'
import { Link, navigate } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import {
  SettingsForm,
  initialSettings,
  settingsToSend,
  type SettingsValues,
} from '../components/settings-form.tsx'
import { EmptyState, ErrorNote, Field, Loading, Logo, PageHeader, Panel } from '../components/ui.tsx'

/** Connects a catalog destination to a source, with a settings form generated from the catalog entry. */
export function DestinationNewPage({ metadataId }: { metadataId: string }) {
  const data = useApi(async () => {
    const [{ destinationMetadata }, sources] = await Promise.all([
      api<{ destinationMetadata: CatalogEntry }>(`/catalog/destinations/${metadataId}`),
      loadSources(),
    ])
    return { entry: destinationMetadata, sources }
  }, `new-destination-${metadataId}`)
  const [sourceId, setSourceId] = useState('')
  const [name, setName] = useState('')
  const [enabled, setEnabled] = useState(true)
  const [settings, setSettings] = useState<SettingsValues>({})
  const [error, setError] = useState<unknown>()
  const [busy, setBusy] = useState(false)

  useEffect(() => {
    if (!data.data) return
    setSettings(initialSettings(data.data.entry.options))
    setSourceId((current) => current || data.data?.sources[0]?.id || '')
  }, [data.data])

  if (!data.data) return data.error ? <ErrorNote error={data.error} /> : <Loading what="the destination" />
  const { entry, sources } = data.data
  const errors = fieldErrors(error)
  const settingErrors = fieldErrors(error, 'settings.')
  const placed = Object.keys(errors).some((k) => ['sourceId', 'name', 'settings'].includes(k))

  const create = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const { destination } = await api<{ destination: Destination }>('/destinations', {
        method: 'POST',
        body: {
          sourceId,
          metadataId: entry.id,
          enabled,
          ...(name.trim() && { name: name.trim() }),
          settings: settingsToSend(entry.options, settings),
        },
      })
      navigate(`/destinations/${destination.id}`)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }

  return (
    <>
      <PageHeader
        title={`Add ${entry.name}`}
        subtitle={entry.description}
        back={{ to: '/destinations/catalog', label: 'Catalog' }}
      />
      {sources.length === 0 ? (
        <Panel>
          <EmptyState
            title="Add a source first"
            action={
              <Link to="/sources/new" className="button primary">
                Add a source
              </Link>
            }
          >
            A destination receives the events of one source.
          </EmptyState>
        </Panel>
      ) : (
        <form onSubmit={(e) => void create(e)} className="form">
          <Panel title="Connection">
            <div className="destination-heading">
              <Logo src={entry.logos.default} name={entry.name} />
              <strong>{entry.name}</strong>
            </div>
            <Field id="destination-source" label="Source" error={errors.sourceId}>
              <select id="destination-source" value={sourceId} onChange={(e) => setSourceId(e.target.value)}>
                {sources.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            </Field>
            <Field id="destination-name" label="Name" error={errors.name}>
              <input
                id="destination-name"
                value={name}
                placeholder={entry.name}
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
            <label className="check">
              <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Send
              events as soon as it is saved
            </label>
          </Panel>
          <Panel title="Settings">
            <SettingsForm
              options={entry.options}
              values={settings}
              onChange={setSettings}
              errors={settingErrors}
              idPrefix="destination"
            />
          </Panel>
          <ErrorNote error={error && !placed ? error : undefined} />
          <button type="submit" className="button primary" disabled={busy || !sourceId}>
            {busy ? 'Saving…' : 'Save destination'}
          </button>
        </form>
      )}
    </>
  )
}
