import type { InviteToken } from '../api/models.ts'
import { CopyBlock, formatTime } from './ui.tsx'

/** The page an invite's link opens: the invited person sets a name and password there. */
export const inviteLink = (token: string, origin = window.location.origin): string =>
  `${origin}/accept-invite?token=${encodeURIComponent(token)}`

/** New invites' links (and bare tokens, for scripts), shown once: the API keeps only their hashes. */
export function InviteLinks({ tokens }: { tokens: InviteToken[] }) {
  return (
    <div className="secret-once" role="status">
      <strong>Pass these links on now: they are not shown again.</strong>
      {tokens.map((t) => (
        <div key={t.email} className="invite-link">
          <p className="small">
            {t.email} joins by opening this link until {formatTime(t.expiresAt)}:
          </p>
          <CopyBlock text={inviteLink(t.token)} label={`Invite link for ${t.email}`} />
          <p className="small muted">
            Or, from a script, <code>POST /api/auth/accept-invite</code> with the token alone:
          </p>
          <CopyBlock text={t.token} label={`Acceptance token for ${t.email}`} />
        </div>
      ))}
    </div>
  )
}
