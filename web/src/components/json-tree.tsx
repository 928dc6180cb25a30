/** A message as nested key/value rows: the debugger's pretty view. */
export function JsonTree({ value }: { value: unknown }) {
  if (value === null || typeof value !== 'object')
    return <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value)
  if (entries.length === 0) return <span className="json-null">{Array.isArray(value) ? '[]' : '{}'}</span>
  return (
    <dl className="json-tree">
      {entries.map(([key, v]) => (
        <div
          key={key}
          className={
            v !== null && typeof v === 'object' && Object.keys(v).length ? 'json-row nested' : 'json-row'
          }
        >
          <dt>{key}</dt>
          <dd>
            <JsonTree value={v} />
          </dd>
        </div>
      ))}
    </dl>
  )
}
