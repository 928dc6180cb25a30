import { useState, type ReactNode } from 'react'
import { api, errorMessage } from '../api/client.ts'
import type { Destination, Source } from '../api/models.ts'
import { Link } from '../app/router.tsx'
import { useApi } from '../app/use-api.ts'
import { DestinationTabs } from './destination-tabs.tsx'
import { EnabledBadge, ErrorNote, Loading, PageHeader, Toggle } from './ui.tsx'

/**
 * What every tab of a destination shows around its content: loads the destination and its source,
 * then the header (name, type, source, enabled, with the switch that turns sending on or off) and
 * the tabs. `children` draws the tab from the destination; `reload` loads it again.
 */
export function DestinationFrame(props: {
  destinationId: string
  /** The tab shown, by its path under the destination; none for the overview. */
  tab?: 'mappings' | 'filters' | 'event-tester' | 'lineage'
  children(destination: Destination, reload: () => void): ReactNode
}) {
  const { destinationId } = props
  const destination = useApi(
    async () => (await api<{ destination: Destination }>(`/destinations/${destinationId}`)).destination,
    `destination-${destinationId}`,
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
      await api(`/destinations/${destinationId}`, { method: 'PATCH', body: { enabled } })
      destination.reload()
    } catch (e) {
      setToggleError(errorMessage(e))
    }
  }
  const path = `/destinations/${destinationId}`
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
      <DestinationTabs destinationId={destinationId} current={props.tab ? `${path}/${props.tab}` : path} />
      {props.children(d, destination.reload)}
    </>
  )
}
