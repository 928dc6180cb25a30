import { createRequire } from 'node:module'
import { actionId, findDestinationEntryBySlug, type DefinitionRecord } from '../../src/destinations/index.ts'
import type { Sink, SunkRequest } from './sink.ts'
import type { TestSwitchyard } from './switchyard.ts'

const require = createRequire(import.meta.url)
// actions-core's ESM build does not load under Node's ESM loader; its CommonJS build does.
const { defaultValues } = require('@segment/actions-core') as {
  defaultValues: (fields: Record<string, unknown>) => Record<string, unknown>
}

/** A mapping to create through the Public API. */
export interface MappingSpec {
  name: string
  /** The action's slug; the mapping is created with the action's catalog id (`metadata.actions[].id`). */
  action: string
  trigger: string
  /** The field mapping (see `mappingFrom` to start from the action's field defaults). */
  settings: Record<string, unknown>
}

/** One Actions destination as a test configures it through the Public API. */
export interface ActionsSetup {
  /** The catalog slug, such as `actions-amplitude`. */
  catalogSlug: string
  /** Where its requests arrive on the sink: `<sink>/<prefix>/<original path>`. */
  prefix: string
  settings: Record<string, unknown>
  /** Names of the presets (created disabled with the destination) to enable. */
  presets?: string[]
  mappings?: MappingSpec[]
}

export interface ConfiguredDestination {
  readonly id: string
  readonly source: { id: string; writeKey: string }
  readonly definition: DefinitionRecord
  /** The mappings the destination was created with (its presets), as first listed. */
  readonly presetMappings: { name: string; enabled: boolean; actionSlug: string }[]
}

/** The action's field defaults (`defaultValues` of actions-core) with `overrides` on top. */
export function mappingFrom(
  definition: DefinitionRecord,
  action: string,
  overrides: Record<string, unknown>,
): Record<string, unknown> {
  const fields = definition.actions[action]?.fields
  if (!fields) throw new Error(`${definition.slug} has no action ${action}`)
  return { ...defaultValues(fields), ...overrides }
}

export const definitionOf = (catalogSlug: string): DefinitionRecord => {
  const definition = findDestinationEntryBySlug(catalogSlug)?.definition
  if (!definition) throw new Error(`${catalogSlug} is not in the Actions catalog`)
  return definition
}

/**
 * Creates a source and an enabled Actions destination on it through the Public API, with its egress
 * pointed at `<sink>/<prefix>`, then enables the named presets and creates the extra mappings.
 */
export async function configureActionsDestination(
  sy: TestSwitchyard,
  sink: Sink,
  setup: ActionsSetup,
): Promise<ConfiguredDestination> {
  const definition = definitionOf(setup.catalogSlug)
  const source = await sy.createSource(`${setup.prefix}-source`)
  const created = await sy.api('/destinations', {
    method: 'POST',
    body: {
      sourceId: source.id,
      metadataId: definition.metadataId,
      name: `${setup.prefix} e2e`,
      enabled: true,
      settings: setup.settings,
      egressUrl: `${sink.url}/${setup.prefix}`,
    },
  })
  if (created.status !== 201)
    throw new Error(`create ${setup.prefix}: ${created.status} ${JSON.stringify(created.body)}`)
  const id = created.body.data.destination.id as string
  const listed = await sy.api(`/destinations/${id}/subscriptions`)
  if (listed.status !== 200)
    throw new Error(`list ${setup.prefix}: ${listed.status} ${JSON.stringify(listed.body)}`)
  const existing = listed.body.data.subscriptions as {
    id: string
    name: string
    enabled: boolean
    actionSlug: string
  }[]
  for (const name of setup.presets ?? []) {
    const preset = existing.find((s) => s.name === name)
    if (!preset) throw new Error(`${setup.prefix} has no preset mapping "${name}"`)
    const enabled = await sy.api(`/destinations/${id}/subscriptions/${preset.id}`, {
      method: 'PATCH',
      body: { input: { enabled: true } },
    })
    if (enabled.status !== 200)
      throw new Error(`enable ${name}: ${enabled.status} ${JSON.stringify(enabled.body)}`)
  }
  for (const mapping of setup.mappings ?? []) {
    const r = await sy.api(`/destinations/${id}/subscriptions`, {
      method: 'POST',
      body: {
        name: mapping.name,
        actionId: actionId(definition.metadataId, mapping.action),
        trigger: mapping.trigger,
        enabled: true,
        settings: mapping.settings,
      },
    })
    if (r.status !== 201) throw new Error(`mapping ${mapping.name}: ${r.status} ${JSON.stringify(r.body)}`)
  }
  return {
    id,
    source,
    definition,
    presetMappings: existing.map(({ name, enabled, actionSlug }) => ({ name, enabled, actionSlug })),
  }
}

/** Sends messages to the Tracking API's batch endpoint with the source's write key. */
export async function sendBatch(
  sy: TestSwitchyard,
  writeKey: string,
  batch: Record<string, unknown>[],
): Promise<void> {
  const response = await fetch(`${sy.ingestUrl}/v1/batch`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ batch }),
  })
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`)
}

/** The requests the sink got under `/<prefix>/`, in arrival order. */
export const requestsUnder = (sink: Sink, prefix: string): SunkRequest[] =>
  sink.requests.filter((r) => r.path.startsWith(`/${prefix}/`))

/** Waits until at least `count` requests arrived under `/<prefix>/`. */
export async function waitForRequests(
  sink: Sink,
  prefix: string,
  count: number,
  timeoutMs = 10_000,
): Promise<SunkRequest[]> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const got = requestsUnder(sink, prefix)
    if (got.length >= count) return got
    if (Date.now() > deadline) {
      throw new Error(
        `expected ${count} requests under /${prefix}/, got ${got.length}: ${got.map((r) => r.path).join(', ')}`,
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Asks until `check` passes or `timeoutMs` is over (the last error is thrown). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await check()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}
