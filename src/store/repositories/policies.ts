import { isDeepStrictEqual } from 'node:util'
import type { IamPoliciesTable, Row } from '../schema.ts'
import { inTransaction, nowIso, type RepositoryContext } from './context.ts'

/** Segment's permission resource types. */
export type PolicyResourceType = 'WORKSPACE' | 'SOURCE' | 'WAREHOUSE' | 'FUNCTION' | 'SPACE'

export interface PolicyLabel {
  key: string
  value: string
  description?: string
}

/** One resource a role is granted on (Segment's `PermissionResourceV1`). */
export interface PolicyResource {
  id: string
  type: PolicyResourceType
  /** On a `WORKSPACE` resource: only the sources carrying all of these labels. */
  labels?: PolicyLabel[]
}

/** A role granted on resources (Segment's `PermissionInputV1`). */
export interface Policy {
  roleId: string
  resources: PolicyResource[]
}

/** Who holds a policy. Invites are keyed by email; the others by id. */
export interface PolicySubject {
  type: 'user' | 'group' | 'token' | 'invite'
  id: string
}

/** The policies (role grants) of users, user groups, API tokens and invites. */
export class PolicyRepository {
  constructor(private readonly ctx: RepositoryContext) {}

  /** The subject's policies, one per role, in role id order. */
  async list(workspaceId: string, subject: PolicySubject): Promise<Policy[]> {
    return this.listFor(workspaceId, [subject])
  }

  /** The policies of several subjects (a user and their groups), unmerged. */
  async listFor(workspaceId: string, subjects: readonly PolicySubject[]): Promise<Policy[]> {
    if (subjects.length === 0) return []
    const rows = await this.ctx.db
      .selectFrom('iam_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where((eb) =>
        eb.or(subjects.map((s) => eb.and([eb('subject_type', '=', s.type), eb('subject_id', '=', s.id)]))),
      )
      .orderBy('role_id')
      .execute()
    return rows.map(toPolicy)
  }

  /** Every policy of the workspace with its subject (to check whether a label is in use). */
  async listAll(workspaceId: string): Promise<(Policy & { subject: PolicySubject })[]> {
    const rows = await this.ctx.db
      .selectFrom('iam_policies')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .execute()
    return rows.map((r) => ({
      ...toPolicy(r),
      subject: { type: r.subject_type as PolicySubject['type'], id: r.subject_id },
    }))
  }

  /** Sets the subject's policies to exactly `policies` (one per role; resources of a repeated role merge). */
  async replace(workspaceId: string, subject: PolicySubject, policies: readonly Policy[]): Promise<Policy[]> {
    return inTransaction(this.ctx, async (tx) => {
      await new PolicyRepository(tx).delete(workspaceId, subject)
      const merged = mergePolicies([], policies)
      if (merged.length > 0) {
        const at = nowIso(tx)
        await tx.db
          .insertInto('iam_policies')
          .values(
            merged.map((p) => ({
              workspace_id: workspaceId,
              subject_type: subject.type,
              subject_id: subject.id,
              role_id: p.roleId,
              resources: JSON.stringify(p.resources),
              created_at: at,
            })),
          )
          .execute()
      }
      return merged
    })
  }

  /** Adds policies to the subject's: resources of a role it already has are added to that role's. */
  async add(workspaceId: string, subject: PolicySubject, policies: readonly Policy[]): Promise<Policy[]> {
    return inTransaction(this.ctx, async (tx) => {
      const repo = new PolicyRepository(tx)
      return repo.replace(
        workspaceId,
        subject,
        mergePolicies(await repo.list(workspaceId, subject), policies),
      )
    })
  }

  async delete(workspaceId: string, subject: PolicySubject): Promise<void> {
    await this.ctx.db
      .deleteFrom('iam_policies')
      .where('workspace_id', '=', workspaceId)
      .where('subject_type', '=', subject.type)
      .where('subject_id', '=', subject.id)
      .execute()
  }

  /** Hands one subject's policies to another (an accepted invite's to the new member), merging. */
  async move(workspaceId: string, from: PolicySubject, to: PolicySubject): Promise<void> {
    await inTransaction(this.ctx, async (tx) => {
      const repo = new PolicyRepository(tx)
      const moving = await repo.list(workspaceId, from)
      await repo.delete(workspaceId, from)
      if (moving.length > 0) await repo.add(workspaceId, to, moving)
    })
  }
}

/** `base` plus `more`, one policy per role, each resource once. */
export function mergePolicies(base: readonly Policy[], more: readonly Policy[]): Policy[] {
  const byRole = new Map<string, PolicyResource[]>()
  for (const p of [...base, ...more]) {
    const resources = byRole.get(p.roleId) ?? []
    for (const r of p.resources) {
      if (!resources.some((known) => isDeepStrictEqual(known, r))) resources.push(r)
    }
    byRole.set(p.roleId, resources)
  }
  return [...byRole.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([roleId, resources]) => ({ roleId, resources }))
}

const toPolicy = (r: Row<IamPoliciesTable>): Policy => ({
  roleId: r.role_id,
  resources: JSON.parse(r.resources) as PolicyResource[],
})
