import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { api, ApiError, onUnauthorized, setCredentials } from '../api/client.ts'
import type { SessionView, Workspace } from '../api/models.ts'

/** Who is using the app: a logged-in user (web session) or an API token pasted in (automation). */
export type Session =
  | { status: 'loading' }
  | { status: 'anonymous'; notice?: string }
  | {
      status: 'ready'
      via: 'session' | 'token'
      workspace: Workspace
      user: SessionView['user'] | undefined
      /** The user's workspaces with their access level (several: the sidebar offers a switcher). */
      workspaces: SessionView['workspaces']
    }

interface SessionApi {
  session: Session
  logIn(email: string, password: string): Promise<void>
  logInWithToken(token: string): Promise<void>
  /** Joins a workspace with an invite's acceptance token and logs in as the invited person. */
  acceptInvite(input: { token: string; name: string; password: string }): Promise<void>
  /** Moves the web session to another of the user's workspaces. */
  switchWorkspace(workspaceId: string): Promise<void>
  logOut(): Promise<void>
}

const TOKEN_KEY = 'switchyard.token'
/**
 * Set while this browser has a web session. The cookie is HttpOnly, so the app can't see it: asking
 * for the session only when this is set spares a first visit a 401 (and its console error).
 */
const SESSION_HINT = 'switchyard.session'
const SessionContext = createContext<SessionApi | undefined>(undefined)

/** Drops whatever credentials this tab had. */
function forget(): void {
  setCredentials(undefined)
  sessionStorage.removeItem(TOKEN_KEY)
  localStorage.removeItem(SESSION_HINT)
}

async function loadWorkspace(): Promise<Workspace> {
  return (await api<{ workspace: Workspace }>('/', { probe: true })).workspace
}

/** The session a login, an accepted invite or a switch answers: credentials set, workspace found. */
async function sessionFrom(view: SessionView): Promise<Session> {
  setCredentials({ kind: 'session', csrfToken: view.csrfToken })
  localStorage.setItem(SESSION_HINT, '1')
  const found = view.workspaces.find((w) => w.id === view.workspaceId)
  const workspace = found ? { id: found.id, slug: found.slug, name: found.name } : await loadWorkspace()
  return { status: 'ready', via: 'session', workspace, user: view.user, workspaces: view.workspaces }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session>({ status: 'loading' })

  const resume = useCallback(async () => {
    const token = sessionStorage.getItem(TOKEN_KEY)
    try {
      if (token) {
        setCredentials({ kind: 'token', token })
        setSession({
          status: 'ready',
          via: 'token',
          workspace: await loadWorkspace(),
          user: undefined,
          workspaces: [],
        })
        return
      }
      if (!localStorage.getItem(SESSION_HINT)) {
        setSession({ status: 'anonymous' })
        return
      }
      const view = await api<SessionView>('/auth/session', { probe: true })
      setSession(await sessionFrom(view))
    } catch (e) {
      forget()
      if (e instanceof ApiError && e.status === 401) setSession({ status: 'anonymous' })
      else setSession({ status: 'anonymous', notice: (e as Error).message })
    }
  }, [])

  useEffect(() => {
    void resume()
    return onUnauthorized(() => {
      forget()
      setSession({ status: 'anonymous', notice: 'Your session ended. Log in again.' })
    })
  }, [resume])

  const value = useMemo<SessionApi>(
    () => ({
      session,
      async logIn(email, password) {
        const view = await api<SessionView>('/auth/login', {
          method: 'POST',
          body: { email, password },
          probe: true,
        })
        setSession(await sessionFrom(view))
      },
      async acceptInvite({ token, name, password }) {
        const view = await api<SessionView>('/auth/accept-invite', {
          method: 'POST',
          body: { token, password, ...(name.trim() && { name: name.trim() }) },
          probe: true,
        })
        // A token pasted in earlier in this tab would win over the new session's cookie.
        sessionStorage.removeItem(TOKEN_KEY)
        setSession(await sessionFrom(view))
      },
      async switchWorkspace(workspaceId) {
        const view = await api<SessionView>('/auth/session/workspace', {
          method: 'POST',
          body: { workspaceId },
        })
        setSession(await sessionFrom(view))
      },
      async logInWithToken(token) {
        setCredentials({ kind: 'token', token })
        try {
          const workspace = await loadWorkspace()
          sessionStorage.setItem(TOKEN_KEY, token)
          setSession({ status: 'ready', via: 'token', workspace, user: undefined, workspaces: [] })
        } catch (e) {
          setCredentials(undefined)
          throw e
        }
      },
      async logOut() {
        if (session.status === 'ready' && session.via === 'session')
          await api('/auth/logout', { method: 'POST' }).catch(() => undefined)
        forget()
        setSession({ status: 'anonymous' })
      },
    }),
    [session],
  )
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>
}

export function useSession(): SessionApi {
  const value = useContext(SessionContext)
  if (!value) throw new Error('useSession outside SessionProvider')
  return value
}
