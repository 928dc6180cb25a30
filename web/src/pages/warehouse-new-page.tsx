import { useState, type FormEvent } from 'react'
import { api, fieldErrors } from '../api/client.ts'
import type { CatalogEntry, ValidationResult, Warehouse } from '../api/models.ts'
import { loadWarehouseCatalog } from '../api/queries.ts'
import { navigate } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { CatalogGrid } from '../components/catalog-grid.tsx'
import {
  SettingsForm,
  initialSettings,
  settingsToSend,
  type SettingsValues,
} from '../components/settings-form.tsx'
import { Badge, ErrorNote, Field, Loading, PageHeader, Panel } from '../components/ui.tsx'

/** Connect a warehouse: pick the type, fill its settings, test the connection, save. */
export function WarehouseNewPage() {
  const catalog = useApi(loadWarehouseCatalog, 'warehouse-catalog')
  const [type, setType] = useState<CatalogEntry>()
  const [name, setName] = useState('')
  const [settings, setSettings] = useState<SettingsValues>({})
  const [error, setError] = useState<unknown>()
  const [test, setTest] = useState<ValidationResult | 'testing'>()
  const [busy, setBusy] = useState(false)

  const pick = (entry: CatalogEntry) => {
    setType(entry)
    setSettings(initialSettings(entry.options))
    setError(undefined)
    setTest(undefined)
  }
  const body = () => ({ metadataId: type!.id, settings: settingsToSend(type!.options, settings) })

  const testConnection = async () => {
    setError(undefined)
    setTest('testing')
    try {
      setTest(await api<ValidationResult>('/warehouses/validation', { method: 'POST', body: body() }))
    } catch (e) {
      setTest(undefined)
      setError(e)
    }
  }
  const create = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    setError(undefined)
    try {
      const { warehouse } = await api<{ warehouse: Warehouse }>('/warehouses', {
        method: 'POST',
        body: { ...body(), ...(name.trim() && { name: name.trim() }) },
      })
      navigate(`/warehouses/${warehouse.id}`)
    } catch (e) {
      setError(e)
      setBusy(false)
    }
  }
  const errors = fieldErrors(error)
  const settingErrors = fieldErrors(error, 'settings.')

  return (
    <>
      <PageHeader title="Connect a warehouse" back={{ to: '/warehouses', label: 'Warehouses' }} />
      <Panel title="1. Warehouse type">
        <ErrorNote error={catalog.error} />
        {catalog.data ? (
          <CatalogGrid entries={catalog.data} onPick={pick} selected={type?.id} label="warehouse types" />
        ) : (
          <Loading />
        )}
      </Panel>
      {type && (
        <form className="form" onSubmit={(e) => void create(e)}>
          <Panel title={`2. Connect ${type.name}`}>
            <Field id="warehouse-name" label="Name" error={errors.name}>
              <input
                id="warehouse-name"
                value={name}
                placeholder={type.name}
                onChange={(e) => setName(e.target.value)}
              />
            </Field>
            <SettingsForm
              options={type.options}
              values={settings}
              onChange={setSettings}
              errors={settingErrors}
              idPrefix="warehouse"
            />
            <div className="actions">
              <button
                type="button"
                className="button"
                onClick={() => void testConnection()}
                disabled={test === 'testing'}
              >
                {test === 'testing' ? 'Testing…' : 'Test connection'}
              </button>
              {test && test !== 'testing' && (
                <span role="status">
                  {test.status === 'CONNECTED' ? (
                    <Badge tone="good">Connected</Badge>
                  ) : (
                    <>
                      <Badge tone="bad">Failed</Badge> {test.error?.message}
                      {test.error?.hint && <small className="hint block">{test.error.hint}</small>}
                    </>
                  )}
                </span>
              )}
            </div>
          </Panel>
          <ErrorNote error={error && !Object.keys(errors).length ? error : undefined} />
          <p className="hint">Every source is connected to a new warehouse; choose which on the next page.</p>
          <button type="submit" className="button primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save warehouse'}
          </button>
        </form>
      )}
    </>
  )
}
