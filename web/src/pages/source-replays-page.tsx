import { useCallback, useState } from 'react'
import { listAll } from '../api/client.ts'
import type { Replay } from '../api/models.ts'
import { loadDestinations } from '../api/queries.ts'
import { useApi } from '../app/use-api.ts'
import { ReplayForm } from '../components/replay-form.tsx'
import { ReplayList } from '../components/replay-list.tsx'
import { SourceTabs } from '../components/source-tabs.tsx'
import { ErrorNote, Loading, PageHeader, Panel } from '../components/ui.tsx'

/**
 * A source's replays: start one (archived events of a time range, to all or some of the source's
 * destinations), and follow each with its progress until it ends, or cancel it.
 */
export function SourceReplaysPage({ sourceId }: { sourceId: string }) {
  const destinations = useApi(
    async () => (await loadDestinations()).filter((d) => d.sourceId === sourceId),
    `replay-destinations-${sourceId}`,
  )
  const replays = useApi(
    () => listAll<Replay>(`/sources/${sourceId}/replays`, 'replays', {}, 200),
    `replays-${sourceId}`,
  )
  // The newest state of each replay followed or changed here, over the list as last loaded.
  const [updates, setUpdates] = useState<Record<string, Replay>>({})
  const onUpdate = useCallback((replay: Replay) => setUpdates((old) => ({ ...old, [replay.id]: replay })), [])
  const listed = replays.data?.map((r) => updates[r.id] ?? r)
  const started = Object.values(updates).filter((u) => !replays.data?.some((r) => r.id === u.id))
  const shown = listed && [...started.sort((a, b) => b.createdAt.localeCompare(a.createdAt)), ...listed]

  return (
    <>
      <PageHeader
        title="Replays"
        subtitle="Send this source’s archived events again, to all or some of its destinations."
        back={{ to: `/sources/${sourceId}`, label: 'Source' }}
      />
      <SourceTabs sourceId={sourceId} current={`/sources/${sourceId}/replays`} />
      <Panel title="New replay">
        <ErrorNote error={destinations.error} />
        <ReplayForm
          sourceId={sourceId}
          destinations={destinations.data}
          onStarted={(replay) => {
            onUpdate(replay)
            replays.reload()
          }}
        />
      </Panel>
      <Panel title="History">
        <ErrorNote error={replays.error} />
        {!shown ? (
          <Loading what="the replays" />
        ) : (
          <ReplayList
            sourceId={sourceId}
            replays={shown}
            destinations={destinations.data ?? []}
            onUpdate={onUpdate}
          />
        )}
      </Panel>
    </>
  )
}
