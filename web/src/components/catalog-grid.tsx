import { useMemo, useState } from 'react'
import type { CatalogEntry } from '../api/models.ts'
import { EmptyState, Logo } from './ui.tsx'

/** A searchable grid of catalog entries with category filters; picking one calls `onPick`. */
export function CatalogGrid(props: {
  entries: CatalogEntry[]
  onPick(entry: CatalogEntry): void
  selected?: string
  label: string
}) {
  const [query, setQuery] = useState('')
  const [category, setCategory] = useState('All')
  const categories = useMemo(() => {
    const counts = new Map<string, number>()
    for (const e of props.entries)
      for (const c of e.categories?.length ? e.categories : ['Other']) counts.set(c, (counts.get(c) ?? 0) + 1)
    return [
      'All',
      ...[...counts.keys()].sort((a, b) => (a === 'Other' ? 1 : b === 'Other' ? -1 : a.localeCompare(b))),
    ]
  }, [props.entries])
  const needle = query.trim().toLowerCase()
  const shown = props.entries.filter(
    (e) =>
      (category === 'All' || (e.categories?.length ? e.categories : ['Other']).includes(category)) &&
      (!needle ||
        e.name.toLowerCase().includes(needle) ||
        e.slug.includes(needle) ||
        e.description.toLowerCase().includes(needle)),
  )
  return (
    <div className="catalog">
      <div className="catalog-filters">
        <input
          type="search"
          placeholder={`Search ${props.entries.length} ${props.label}`}
          aria-label={`Search ${props.label}`}
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {categories.length > 2 && (
          <div className="chips" role="group" aria-label="Categories">
            {categories.map((c) => (
              <button
                key={c}
                type="button"
                className={c === category ? 'chip active' : 'chip'}
                onClick={() => setCategory(c)}
              >
                {c}
              </button>
            ))}
          </div>
        )}
      </div>
      {shown.length === 0 ? (
        <EmptyState title={`No ${props.label} match “${query}”`}>
          Try a shorter name, or another category.
        </EmptyState>
      ) : (
        <div className="catalog-grid">
          {shown.map((entry) => (
            <button
              key={entry.id}
              type="button"
              className={entry.id === props.selected ? 'catalog-tile selected' : 'catalog-tile'}
              onClick={() => props.onPick(entry)}
            >
              <Logo src={entry.logos.default} name={entry.name} />
              <span className="tile-name">{entry.name}</span>
              {entry.description && <span className="tile-description">{entry.description}</span>}
            </button>
          ))}
        </div>
      )}
    </div>
  )
}
