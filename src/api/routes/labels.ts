import type { FastifyPluginAsync } from 'fastify'
import { SwitchyardError } from '../../errors/index.ts'
import { sourceNotFound, type SourceLabel } from '../../store/index.ts'
import { recordChange } from '../audit.ts'
import type { ApiContext } from '../context.ts'

/** Label keys and values: start with a letter; letters, digits, `-` and `_`; at most 100 characters. */
const LABEL_PART = /^[A-Za-z][A-Za-z0-9_-]{0,99}$/

const labelSchema = {
  type: 'object',
  required: ['key', 'value'],
  properties: { key: { type: 'string' }, value: { type: 'string' }, description: { type: 'string' } },
} as const
const labelBody = { type: 'object', required: ['label'], properties: { label: labelSchema } } as const
const labelsBody = {
  type: 'object',
  required: ['labels'],
  properties: { labels: { type: 'array', items: labelSchema } },
} as const

function checkLabel(label: SourceLabel, field: string): SourceLabel {
  for (const part of ['key', 'value'] as const) {
    if (!LABEL_PART.test(label[part])) {
      throw new SwitchyardError(
        'SY_API_VALIDATION',
        `${field}.${part} must start with a letter and hold only letters, digits, "-" and "_" (1 to 100; got "${label[part]}")`,
        { field: `${field}.${part}` },
      )
    }
  }
  return {
    key: label.key,
    value: label.value,
    ...(label.description !== undefined && { description: label.description }),
  }
}

const labelV1 = (l: SourceLabel) => ({
  key: l.key,
  value: l.value,
  ...(l.description != null && { description: l.description }),
})

const labelResource = (l: SourceLabel) => ({
  type: 'label',
  id: `${l.key}:${l.value}`,
  name: `${l.key}:${l.value}`,
})

/**
 * Segment's `LabelsApi` (workspace labels, managed by Workspace Owners) and the two label operations
 * of `SourcesApi` (assigning labels to a source, for anyone who may edit that source). Labels
 * scope Source Admin and Source Read-only grants (docs/iam.md).
 */
export const labelRoutes: FastifyPluginAsync<ApiContext> = async (app, { store }) => {
  app.get(
    '/labels',
    { config: { operation: 'listLabels', permission: 'workspace:read' } },
    async (request) => {
      const labels = await store.labels.list(request.principal.workspaceId)
      return { data: { labels: labels.map(labelV1) } }
    },
  )

  app.post<{ Body: { label: SourceLabel } }>(
    '/labels',
    { schema: { body: labelBody }, config: { operation: 'createLabel', permission: 'label:write' } },
    async (request, reply) => {
      const label = checkLabel(request.body.label, 'label')
      await store.transaction(async (tx) => {
        await tx.labels.create(request.principal.workspaceId, label)
        await recordChange(tx, request.principal, {
          type: 'Label Created',
          resource: labelResource(label),
          before: null,
          after: label,
        })
      })
      return reply.code(201).send({ data: { label: labelV1(label) } })
    },
  )

  app.delete<{ Params: { key: string; value: string } }>(
    '/labels/:key/:value',
    { config: { operation: 'deleteLabel', permission: 'label:write' } },
    async (request) => {
      const { key, value } = request.params
      const { workspaceId } = request.principal
      await store.transaction(async (tx) => {
        const before = (await tx.labels.list(workspaceId)).find((l) => l.key === key && l.value === value)
        if (!before) {
          throw new SwitchyardError('SY_RESOURCE_NOT_FOUND', `No label ${key}:${value} in this workspace`, {
            field: 'label',
          })
        }
        // A label in a permission is in use too (Segment's rule): it would silently widen or void the grant.
        const policies = await tx.policies.listAll(workspaceId)
        const used = policies.some((p) =>
          p.resources.some((r) => r.labels?.some((l) => l.key === key && l.value === value)),
        )
        if (used) {
          throw new SwitchyardError(
            'SY_RESOURCE_CONFLICT',
            `Label ${key}:${value} is used in a permission and can't be deleted`,
            { field: 'label' },
          )
        }
        await tx.labels.delete(workspaceId, key, value)
        await recordChange(tx, request.principal, {
          type: 'Label Deleted',
          resource: labelResource(before),
          before,
          after: null,
        })
      })
      return { data: { status: 'SUCCESS' } }
    },
  )

  for (const [method, operation] of [
    ['POST', 'addLabelsToSource'],
    ['PUT', 'replaceLabelsInSource'],
  ] as const) {
    app.route<{ Params: { sourceId: string }; Body: { labels: SourceLabel[] } }>({
      method,
      url: '/sources/:sourceId/labels',
      schema: { body: labelsBody },
      config: { operation, permission: 'source:write' },
      handler: async (request) => {
        const { workspaceId } = request.principal
        const given = request.body.labels.map((l, i) => checkLabel(l, `labels[${i}]`))
        const labels = await store.transaction(async (tx) => {
          const before = await tx.sources.get(workspaceId, request.params.sourceId)
          if (!before) throw sourceNotFound(request.params.sourceId)
          // Adding a value for a key the source already has replaces that key's value.
          const wanted =
            method === 'POST'
              ? [...before.labels.filter((l) => !given.some((g) => g.key === l.key)), ...given]
              : given
          await tx.labels.replaceOnSource(
            workspaceId,
            before.id,
            wanted.map((l) => ({ key: l.key, value: l.value })),
          )
          const after = (await tx.sources.get(workspaceId, before.id))!
          await recordChange(tx, request.principal, {
            type: 'Source Modified',
            resource: { type: 'source', id: after.id, name: after.name },
            before,
            after,
          })
          return after.labels
        })
        return { data: { labels: labels.map(labelV1) } }
      },
    })
  }
}
