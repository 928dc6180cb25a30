import { Tabs } from './ui.tsx'

export function DestinationTabs({ destinationId, current }: { destinationId: string; current: string }) {
  return (
    <Tabs
      current={current}
      tabs={[
        { to: `/destinations/${destinationId}`, label: 'Overview' },
        { to: `/destinations/${destinationId}/mappings`, label: 'Mappings' },
        { to: `/destinations/${destinationId}/filters`, label: 'Filters' },
        { to: `/destinations/${destinationId}/event-tester`, label: 'Event tester' },
        { to: `/destinations/${destinationId}/lineage`, label: 'Lineage' },
      ]}
    />
  )
}
