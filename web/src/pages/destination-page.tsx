import { useEffect, useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { Destination } from '../api/models.ts'
import { DeliveryOverview } from '../components/delivery-overview.tsx'
import { DestinationFrame } from '../components/destination-frame.tsx'
import { SettingsForm, type SettingsValues } from '../components/settings-form.tsx'
import { ErrorNote, Panel } from '../components/ui.tsx'

export function DestinationPage({ id }: { id: string }) {
  return (
    <DestinationFrame destinationId={id}>
      {(d, reload) => (
        <>
          <DeliveryOverview destination={d} />
          <DestinationSettings destination={d} onSaved={reload} />
        </>
      )}
    </DestinationFrame>
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
