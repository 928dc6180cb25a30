import { navigate } from '../app/router.tsx'

export interface MapNode {
  id: string
  label: string
  kind: string
  enabled: boolean
  href: string
}

/**
 * Sources on the left, destinations and warehouses on the right, a line for each connection:
 * the workspace at a glance. Plain SVG; each box opens its page.
 */
export function ConnectionsMap(props: {
  sources: MapNode[]
  targets: MapNode[]
  edges: Array<[string, string]>
}) {
  const row = 60
  const boxH = 44
  const boxW = 250
  const width = 760
  const rows = Math.max(props.sources.length, props.targets.length, 1)
  const height = rows * row
  const y = (nodes: MapNode[], id: string) => {
    const i = nodes.findIndex((n) => n.id === id)
    const offset = ((rows - nodes.length) * row) / 2
    return offset + i * row + (row - boxH) / 2
  }
  const box = (node: MapNode, x: number, top: number) => (
    <g
      key={node.id}
      className={`map-node ${node.enabled ? '' : 'disabled'}`}
      transform={`translate(${x} ${top})`}
      role="link"
      tabIndex={0}
      aria-label={`${node.label} (${node.kind})`}
      onClick={() => navigate(node.href)}
      onKeyDown={(e) => e.key === 'Enter' && navigate(node.href)}
    >
      <rect width={boxW} height={boxH} rx="10" />
      <circle cx="18" cy={boxH / 2} r="5" className={node.enabled ? 'dot-on' : 'dot-off'} />
      <text x="32" y="19" className="map-label">
        {node.label.length > 28 ? `${node.label.slice(0, 27)}…` : node.label}
      </text>
      <text x="32" y="35" className="map-kind">
        {node.kind}
      </text>
    </g>
  )
  return (
    <svg className="connections-map" viewBox={`0 0 ${width} ${height}`} role="group" aria-label="Connections">
      {props.edges.map(([from, to]) => {
        const y1 = y(props.sources, from) + boxH / 2
        const y2 = y(props.targets, to) + boxH / 2
        if (Number.isNaN(y1) || Number.isNaN(y2)) return null
        const x1 = boxW
        const x2 = width - boxW
        const mid = (x1 + x2) / 2
        return (
          <path
            key={`${from}-${to}`}
            className="map-edge"
            d={`M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2} ${y2}`}
          />
        )
      })}
      {props.sources.map((n) => box(n, 0, y(props.sources, n.id)))}
      {props.targets.map((n) => box(n, width - boxW, y(props.targets, n.id)))}
    </svg>
  )
}
