import { useMemo, useState } from 'react'
import type { CatalogEntry } from '../api/models.ts'
import { EmptyState, Logo } from './ui.tsx'

const ALL = 'All'
const OTHER = 'Other'

/** An entry's categories; one without any is listed under "Other". */
const categoriesOf = (e: CatalogEntry): string[] => (e.categories?.length ? e.categories : [OTHER])

/**
 * A searchable grid of catalog entries with category filters (each with its count); picking one
 * calls `onPick`. The category can be kept by the page (`category`, `onCategory`), e.g. in its URL.
 */
export function CatalogGrid(props: {
  entries: CatalogEntry[]
  onPick(entry: CatalogEntry): void
  selected?: string
  label: string
  category?: string
  onCategory?(category: string): void
}) {
  const [query, setQuery] = useState('')
  const [ownCategory, setOwnCategory] = useState(ALL)
  const counts = useMemo(() => {
    const counts = new Map<string, number>()
    for (const e of props.entries) for (const c of categoriesOf(e)) counts.set(c, (counts.get(c) ?? 0) + 1)
    return counts
  }, [props.entries])
  const categories = [
    ALL,
    ...[...counts.keys()].sort((a, b) => (a === OTHER ? 1 : b === OTHER ? -1 : a.localeCompare(b))),
  ]
  const wanted = props.category ?? ownCategory
  // A category no entry has (an old link) shows everything rather than nothing.
  const category = counts.has(wanted) ? wanted : ALL
  const setCategory = (c: string) => (props.onCategory ? props.onCategory(c) : setOwnCategory(c))
  const needle = query.trim().toLowerCase()
  const shown = props.entries.filter(
    (e) =>
      (category === ALL || categoriesOf(e).includes(category)) &&
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
                aria-pressed={c === category}
                onClick={() => setCategory(c)}
              >
                {c} <span className="chip-count">{c === ALL ? props.entries.length : counts.get(c)}</span>
              </button>
            ))}
          </div>
        )}
      </div>
      {shown.length === 0 ? (
        <EmptyState title={`No ${props.label} match “${query}”${category === ALL ? '' : ` in ${category}`}`}>
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
              <span className="tile-description">{entry.description || categoriesOf(entry).join(' · ')}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  )
}
