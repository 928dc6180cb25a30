import { issueApiToken } from './operations.ts'
import { SYSTEM_ACTOR } from './repositories/audit.ts'
import type { NewWarehouse } from './repositories/warehouses.ts'
import type { Workspace } from './repositories/workspaces.ts'
import type { Store } from './store.ts'

export interface BootstrapResult {
  workspace: Workspace
  /** True on the very first start. */
  created: boolean
  /** The owner token secret, present only when this start created it and generated it. */
  ownerTokenSecret?: string
}

export const DEFAULT_WORKSPACE = Object.freeze({ slug: 'default', name: 'My Workspace' })

/**
 * On first start (no workspace yet), creates the default workspace and its owner API token, with
 * `bootstrapToken` as secret when given, and the default warehouse when one is given (every source
 * created later connects to it, as to every warehouse). Later starts change nothing. Concurrent first starts on one
 * database are safe: the workspace slug is unique, so only one transaction wins.
 */
export async function bootstrapWorkspace(
  store: Store,
  options: {
    bootstrapToken?: string
    defaultWarehouse?: Pick<NewWarehouse, 'metadataId' | 'name' | 'settings'>
  },
): Promise<BootstrapResult> {
  const existing = await store.workspaces.first()
  if (existing) return { workspace: existing, created: false }
  try {
    return await store.transaction(async (tx) => {
      const workspace = await tx.workspaces.create(DEFAULT_WORKSPACE)
      const { secret } = await issueApiToken(
        tx,
        {
          workspaceId: workspace.id,
          description: 'Owner token created at first start',
          role: 'Workspace Owner',
          ...(options.bootstrapToken !== undefined && { secret: options.bootstrapToken }),
        },
        SYSTEM_ACTOR,
      )
      await tx.audit.record({
        workspaceId: workspace.id,
        type: 'Workspace Created',
        actor: SYSTEM_ACTOR,
        resource: { type: 'workspace', id: workspace.id, name: workspace.name },
        before: null,
        after: workspace,
      })
      if (options.defaultWarehouse) {
        const warehouse = await tx.warehouses.create({
          ...options.defaultWarehouse,
          workspaceId: workspace.id,
          enabled: true,
        })
        await tx.audit.record({
          workspaceId: workspace.id,
          type: 'Storage Destination Created',
          actor: SYSTEM_ACTOR,
          resource: { type: 'warehouse', id: warehouse.id, name: warehouse.name },
          before: null,
          after: { id: warehouse.id, metadataId: warehouse.metadataId, name: warehouse.name },
        })
      }
      return {
        workspace,
        created: true,
        ...(options.bootstrapToken === undefined && { ownerTokenSecret: secret }),
      }
    })
  } catch (e) {
    // Another process bootstrapped at the same moment; use its workspace.
    const winner = await store.workspaces.first()
    if (winner) return { workspace: winner, created: false }
    throw e
  }
}
