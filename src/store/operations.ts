import type { Actor } from './repositories/audit.ts'
import type { ApiToken, NewApiToken } from './repositories/tokens.ts'
import type { Repositories } from './store.ts'

/**
 * Creates an API token and records it in the audit trail, in the caller's transaction. The
 * returned secret exists only in this return value.
 */
export async function issueApiToken(
  tx: Repositories,
  input: NewApiToken,
  actor: Actor,
): Promise<{ token: ApiToken; secret: string }> {
  const created = await tx.tokens.create(input)
  await tx.audit.record({
    workspaceId: input.workspaceId,
    type: 'Access Token Created',
    actor,
    resource: { type: 'token', id: created.token.id, name: created.token.description },
    before: null,
    after: created.token,
  })
  return created
}
