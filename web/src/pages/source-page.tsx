import { useState } from 'react'
import { api, errorMessage } from '../api/client.ts'
import type { Source } from '../api/models.ts'
import { loadDestinations, loadEventVolume } from '../api/queries.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { BarChart } from '../components/bar-chart.tsx'
import { analyticsJsSnippet, ingestUrl, serverSnippet, setIngestUrl } from '../components/install-snippet.ts'
import { SourceTabs } from '../components/source-tabs.tsx'
import {
  CopyBlock,
  EmptyState,
  EnabledBadge,
  ErrorNote,
  Loading,
  PageHeader,
  Panel,
  Toggle,
  formatCount,
} from '../components/ui.tsx'

export function SourcePage({ id }: { id: string }) {
  const source = useApi(async () => (await api<{ source: Source }>(`/sources/${id}`)).source, `source-${id}`)
  const [toggleError, setToggleError] = useState<string>()

  if (!source.data) return source.error ? <ErrorNote error={source.error} /> : <Loading what="the source" />
  const s = source.data
  const setEnabled = async (enabled: boolean) => {
    setToggleError(undefined)
    try {
      await api(`/sources/${id}`, { method: 'PATCH', body: { enabled } })
      source.reload()
    } catch (e) {
      setToggleError(errorMessage(e))
    }
  }

  return (
    <>
      <PageHeader
        title={s.name}
        subtitle={
          <>
            {s.metadata.name} source · <EnabledBadge enabled={s.enabled} />
          </>
        }
        back={{ to: '/sources', label: 'Sources' }}
        actions={
          <Toggle
            checked={s.enabled}
            onChange={(v) => void setEnabled(v)}
            label={s.enabled ? 'Accepting events' : 'Not accepting events'}
          />
        }
      />
      {toggleError && <p className="error-note">{toggleError}</p>}
      <SourceTabs sourceId={id} current={`/sources/${id}`} />
      <InstallPanel source={s} />
      <div className="grid-2">
        <SourceVolume sourceId={id} />
        <ConnectedDestinations sourceId={id} />
      </div>
    </>
  )
}

function InstallPanel({ source }: { source: Source }) {
  const [host, setHost] = useState(ingestUrl)
  const writeKey = source.writeKeys[0] ?? ''
  const isBrowser = source.metadata.id === 'IqDTy1TpoU'
  return (
    <Panel title="Install">
      <div className="field">
        <span className="field-label">Write key</span>
        <CopyBlock text={writeKey} label="Write key" />
      </div>
      <div className="field">
        <label htmlFor="collector-url">Collector URL</label>
        <input
          id="collector-url"
          value={host}
          onChange={(e) => {
            setHost(e.target.value)
            setIngestUrl(e.target.value)
          }}
        />
        <small className="hint">
          Where browsers and servers reach Switchyard’s ingest port. Change it if they reach it by another
          name.
        </small>
      </div>
      <div className="field">
        <span className="field-label">
          {isBrowser ? 'Paste this in the <head> of every page' : `Send events from ${source.metadata.name}`}
        </span>
        <CopyBlock
          multiline
          label="Install snippet"
          text={
            isBrowser
              ? analyticsJsSnippet(host, writeKey)
              : serverSnippet(source.metadata.name, host, writeKey)
          }
        />
      </div>
      <p className="hint">
        Then open the <Link to={`/sources/${source.id}/debugger`}>debugger</Link> to watch events arrive.
      </p>
    </Panel>
  )
}

function SourceVolume({ sourceId }: { sourceId: string }) {
  const volume = useApi(() => loadEventVolume('24h', sourceId), `volume-${sourceId}`, 15_000)
  return (
    <Panel title="Events received, last 24 hours">
      <ErrorNote error={volume.error} />
      {volume.data ? (
        <>
          <p className="big-number">{formatCount(volume.data.total)}</p>
          <BarChart points={volume.data.series} label="Events received by this source" />
        </>
      ) : (
        <Loading />
      )}
    </Panel>
  )
}

function ConnectedDestinations({ sourceId }: { sourceId: string }) {
  const destinations = useApi(
    async () => (await loadDestinations()).filter((d) => d.sourceId === sourceId),
    `dest-of-${sourceId}`,
  )
  return (
    <Panel
      title="Destinations"
      actions={
        <Link to="/destinations/catalog" className="button small">
          Add destination
        </Link>
      }
    >
      <ErrorNote error={destinations.error} />
      {!destinations.data ? (
        <Loading />
      ) : destinations.data.length === 0 ? (
        <EmptyState title="Not sent anywhere yet">
          Add a destination to send this source’s events to a tool.
        </EmptyState>
      ) : (
        <ul className="plain-list">
          {destinations.data.map((d) => (
            <li key={d.id}>
              <Link to={`/destinations/${d.id}`}>{d.name}</Link> <EnabledBadge enabled={d.enabled} />
            </li>
          ))}
        </ul>
      )}
    </Panel>
  )
}
