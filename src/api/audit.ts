import type { AuditResource, Repositories } from '../store/index.ts'
import { actorOf, type Principal } from './principal.ts'

export interface Change {
  /** Segment's audit event name, such as "Source Created". */
  type: string
  resource: AuditResource
  before: unknown
  after: unknown
}

/**
 * Records a change for the audit trail, inside the transaction that makes the change, so the trail
 * never disagrees with the data.
 */
export async function recordChange(tx: Repositories, principal: Principal, change: Change): Promise<void> {
  await tx.audit.record({ workspaceId: principal.workspaceId, actor: actorOf(principal), ...change })
}
