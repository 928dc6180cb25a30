import { useState } from 'react'
import { errorMessage } from '../api/client.ts'
import { navigate, usePath } from '../app/router.tsx'
import { useSession } from '../app/session.tsx'

/**
 * The workspace this session works in, in the sidebar: its name, or a picker when the user belongs
 * to several. Switching moves the session (`POST /auth/session/workspace`) and goes to the top of
 * the current section, since ids in the path belong to the old workspace.
 */
export function WorkspaceSwitcher() {
  const { session, switchWorkspace } = useSession()
  const path = usePath()
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string>()
  if (session.status !== 'ready') return null
  const { workspace, workspaces } = session

  if (workspaces.length < 2)
    return (
      <div className="workspace-name" title={workspace.slug}>
        {workspace.name}
      </div>
    )

  const pick = async (workspaceId: string) => {
    setBusy(true)
    setError(undefined)
    try {
      // First leave pages about the old workspace's resources, so that none asks for them in the new one.
      const section = path.split('/')[1] ?? ''
      if (section !== 'settings') navigate(`/${section}`, { replace: true })
      await switchWorkspace(workspaceId)
    } catch (e) {
      setError(errorMessage(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="workspace-switcher">
      <label htmlFor="workspace-switcher" className="hint">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        value={workspace.id}
        disabled={busy}
        onChange={(e) => void pick(e.target.value)}
      >
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      <span className="hint">{workspaces.find((w) => w.id === workspace.id)?.role}</span>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  )
}
