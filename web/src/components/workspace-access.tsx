import { ApiError } from '../api/client.ts'
import { ErrorNote } from './ui.tsx'

/** Whether the API refused a call because the caller's roles don't grant it (403). */
export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403
}

/**
 * What a page shows instead of a list the caller may not see: which part needs whom, and the
 * API's own words (which name the missing permission). Other errors show as they are.
 */
export function AccessNote({ error, what, who }: { error: unknown; what: string; who?: string }) {
  if (!isForbidden(error)) return <ErrorNote error={error} />
  return (
    <div className="access-note" role="note">
      <strong>
        Your access doesn’t include {what}. Ask {who ?? 'a Workspace Owner'} if you need it.
      </strong>
      <span className="small muted">{(error as ApiError).message}</span>
    </div>
  )
}
