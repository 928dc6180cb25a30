import { useEffect, useState, type FormEvent } from 'react'
import { api, errorMessage, fieldErrors } from '../api/client.ts'
import type { Destination, Source } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { DeliveryOverview } from '../components/delivery-overview.tsx'
import { DestinationTabs } from '../components/destination-tabs.tsx'
import { SettingsForm, type SettingsValues } from '../components/settings-form.tsx'
import { EnabledBadge, ErrorNote, Loading, PageHeader, Panel, Toggle } from '../components/ui.tsx'

export function DestinationPage({ id }: { id: string }) {
  const destination = useApi(
    async () => (await api<{ destination: Destination }>(`/destinations/${id}`)).destination,
    `destination-${id}`,
  )
  const sourceId = destination.data?.sourceId
  const source = useApi(
    async () => (sourceId ? (await api<{ source: Source }>(`/sources/${sourceId}`)).source : undefined),
    `source-${sourceId ?? ''}`,
  )
  const [toggleError, setToggleError] = useState<string>()
  if (!destination.data)
    return destination.error ? <ErrorNote error={destination.error} /> : <Loading what="the destination" />
  const d = destination.data
  const setEnabled = async (enabled: boolean) => {
    setToggleError(undefined)
    try {
      await api(`/destinations/${id}`, { method: 'PATCH', body: { enabled } })
      destination.reload()
    } catch (e) {
      setToggleError(errorMessage(e))
    }
  }
  return (
    <>
      <PageHeader
        title={d.name}
        subtitle={
          <>
            {d.metadata.name} · from{' '}
            <Link to={`/sources/${d.sourceId}`}>{source.data?.name ?? 'its source'}</Link> ·{' '}
            <EnabledBadge enabled={d.enabled} />
          </>
        }
        back={{ to: '/destinations', label: 'Destinations' }}
        actions={
          <Toggle
            checked={d.enabled}
            onChange={(v) => void setEnabled(v)}
            label={d.enabled ? 'Sending' : 'Not sending'}
          />
        }
      />
      {toggleError && <p className="error-note">{toggleError}</p>}
      <DestinationTabs destinationId={id} current={`/destinations/${id}`} />
      <DeliveryOverview destination={d} />
      <DestinationSettings destination={d} onSaved={destination.reload} />
    </>
  )
}

/** The settings as stored (secrets masked; sending a masked value back keeps the secret). */
function DestinationSettings({ destination, onSaved }: { destination: Destination; onSaved(): void }) {
  const [values, setValues] = useState<SettingsValues>(destination.settings)
  const [error, setError] = useState<unknown>()
  const [saved, setSaved] = useState(false)
  useEffect(() => setValues(destination.settings), [destination.settings])
  const save = async (event: FormEvent) => {
    event.preventDefault()
    setError(undefined)
    setSaved(false)
    try {
      await api(`/destinations/${destination.id}`, { method: 'PATCH', body: { settings: values } })
      setSaved(true)
      onSaved()
    } catch (e) {
      setError(e)
    }
  }
  const errors = fieldErrors(error, 'settings.')
  return (
    <Panel title="Settings">
      <form className="form" onSubmit={(e) => void save(e)}>
        <SettingsForm
          options={destination.metadata.options}
          values={values}
          onChange={setValues}
          errors={errors}
          idPrefix="settings"
        />
        <ErrorNote error={error && !Object.keys(errors).length ? error : undefined} />
        <div className="actions">
          <button type="submit" className="button">
            Save settings
          </button>
          {saved && <span className="muted">Saved.</span>}
        </div>
      </form>
    </Panel>
  )
}
