import { Tabs } from './ui.tsx'

export function SourceTabs({ sourceId, current }: { sourceId: string; current: string }) {
  return (
    <Tabs
      current={current}
      tabs={[
        { to: `/sources/${sourceId}`, label: 'Overview' },
        { to: `/sources/${sourceId}/debugger`, label: 'Debugger' },
        { to: `/sources/${sourceId}/schema`, label: 'Schema' },
        { to: `/sources/${sourceId}/replays`, label: 'Replays' },
      ]}
    />
  )
}
