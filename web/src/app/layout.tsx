import type { ReactNode } from 'react'
import { WorkspaceSwitcher } from '../components/workspace-switcher.tsx'
import { Link, usePath } from './router.tsx'
import { useSession } from './session.tsx'

const NAV = [
  { to: '/', label: 'Home' },
  { to: '/sources', label: 'Sources' },
  { to: '/destinations', label: 'Destinations' },
  { to: '/warehouses', label: 'Warehouses' },
  { to: '/settings', label: 'Settings' },
]

/** The frame of every page once logged in: navigation on the left, the page on the right. */
export function Layout({ children }: { children: ReactNode }) {
  const path = usePath()
  const { session, logOut } = useSession()
  if (session.status !== 'ready') return null
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(`${to}/`))
  return (
    <div className="shell">
      <aside className="sidebar">
        <Link to="/" className="brand">
          <img src="/favicon.svg" alt="" width={28} height={28} />
          <span>Switchyard</span>
        </Link>
        <WorkspaceSwitcher />
        <nav aria-label="Main">
          {NAV.map((item) => (
            <Link key={item.to} to={item.to} className={active(item.to) ? 'nav-item active' : 'nav-item'}>
              {item.label}
            </Link>
          ))}
        </nav>
        <div className="sidebar-foot">
          <span className="muted">{session.user ? session.user.email : 'API token'}</span>
          <button type="button" className="button small ghost" onClick={() => void logOut()}>
            Log out
          </button>
        </div>
      </aside>
      <main className="content">{children}</main>
    </div>
  )
}
