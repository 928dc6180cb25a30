import type { VolumePoint } from '../api/models.ts'
import { formatCount } from './ui.tsx'

/** Counts over time as bars, in SVG: enough for event volume and deliveries, no chart library. */
export function BarChart(props: {
  points: VolumePoint[]
  label: string
  tone?: 'accent' | 'bad'
  height?: number
}) {
  const height = props.height ?? 120
  const width = 600
  const max = Math.max(1, ...props.points.map((p) => p.count))
  const step = width / Math.max(1, props.points.length)
  const first = props.points[0]
  const last = props.points[props.points.length - 1]
  const tick = (iso: string | undefined) =>
    iso
      ? new Date(iso).toLocaleString(undefined, {
          month: 'short',
          day: 'numeric',
          hour: '2-digit',
          minute: '2-digit',
        })
      : ''
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={props.label}>
        <line x1="0" x2={width} y1={height - 0.5} y2={height - 0.5} className="chart-axis" />
        {props.points.map((p, i) => {
          const h = (p.count / max) * (height - 8)
          return (
            <rect
              key={p.time}
              x={i * step + step * 0.15}
              y={height - h - 1}
              width={Math.max(1, step * 0.7)}
              height={h}
              className={props.tone === 'bad' ? 'bar bar-bad' : 'bar'}
            >
              <title>{`${tick(p.time)}: ${formatCount(p.count)}`}</title>
            </rect>
          )
        })}
      </svg>
      <figcaption>
        <span>{tick(first?.time)}</span>
        <span>peak {formatCount(max === 1 && !props.points.some((p) => p.count) ? 0 : max)}</span>
        <span>{tick(last?.time)}</span>
      </figcaption>
    </figure>
  )
}
