/**
 * Builds the Actions catalog file: imports every definition of `@segment/action-destinations` (about
 * 2.5 s and 150 MB, which is why this runs in a child process of its own) and writes what the catalog
 * needs of each as JSON to the path given as the only argument.
 *
 * Run by `catalog-cache.ts`; by hand: `node --import tsx src/destinations/actions/catalog-build.ts out.json`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type {
  ActionFieldRecord,
  ActionRecord,
  CatalogFile,
  DefinitionRecord,
  PresetRecord,
} from './catalog-record.ts'

const require = createRequire(import.meta.url)

type Loose = Record<string, any> // eslint-disable-line @typescript-eslint/no-explicit-any

function fieldRecord(field: Loose): ActionFieldRecord {
  return {
    label: String(field.label ?? ''),
    description: String(field.description ?? ''),
    type: String(field.type ?? 'string'),
    required: field.required === true,
    multiple: field.multiple === true,
    allowNull: field.allowNull === true,
    dynamic: field.dynamic !== undefined && field.dynamic !== false,
    ...(field.default !== undefined && { default: field.default }),
    ...(field.choices !== undefined && { choices: field.choices }),
    ...(typeof field.placeholder === 'string' && { placeholder: field.placeholder }),
    ...(typeof field.format === 'string' && { format: field.format }),
  }
}

function actionRecord(action: Loose): ActionRecord {
  return {
    title: String(action.title ?? ''),
    description: String(action.description ?? ''),
    platform: action.platform === 'web' || action.platform === 'mobile' ? action.platform : 'cloud',
    hidden: action.hidden === true,
    defaultSubscription: typeof action.defaultSubscription === 'string' ? action.defaultSubscription : null,
    fields: Object.fromEntries(
      Object.entries((action.fields ?? {}) as Loose).map(([key, field]) => [key, fieldRecord(field)]),
    ),
    batch: typeof action.performBatch === 'function',
  }
}

export function buildCatalog(): CatalogFile {
  const { manifest } = require('@segment/action-destinations/dist/destinations') as {
    manifest: Record<string, { definition: Loose; directory: string }>
  }
  const { fieldsToJsonSchema } = require('@segment/actions-core') as {
    fieldsToJsonSchema: (fields: unknown) => DefinitionRecord['settingsSchema']
  }
  const definitions: DefinitionRecord[] = Object.entries(manifest).map(([metadataId, entry]) => {
    const d = entry.definition
    const presets: PresetRecord[] = ((d.presets ?? []) as Loose[])
      .filter((p) => p.type === 'automatic' && typeof p.subscribe === 'string' && d.actions[p.partnerAction])
      .map((p) => ({
        name: String(p.name),
        subscribe: p.subscribe,
        partnerAction: p.partnerAction,
        mapping: p.mapping ?? {},
      }))
    return {
      metadataId,
      directory: entry.directory,
      name: String(d.name),
      slug: String(d.slug),
      description: String(d.description ?? ''),
      scheme: String(d.authentication?.scheme ?? 'none'),
      settingsSchema: fieldsToJsonSchema(d.authentication?.fields ?? {}),
      actions: Object.fromEntries(
        Object.entries((d.actions ?? {}) as Loose).map(([slug, action]) => [slug, actionRecord(action)]),
      ),
      presets,
      hasOnDelete: typeof d.onDelete === 'function',
      audience: d.audienceConfig !== undefined,
    }
  })
  definitions.sort((a, b) => a.name.localeCompare(b.name))
  return {
    packageVersion: packageVersion('@segment/action-destinations'),
    coreVersion: packageVersion('@segment/actions-core'),
    definitions,
  }
}

/** The installed version of a package, read from its own package.json (whatever its `exports` allow). */
export function packageVersion(name: string): string {
  let dir = dirname(require.resolve(name))
  for (;;) {
    const candidate = join(dir, 'package.json')
    if (existsSync(candidate)) {
      const json = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string }
      if (json.name === name && json.version) return json.version
    }
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`cannot find the package.json of ${name}`)
    dir = parent
  }
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const out = process.argv[2]
  if (!out) throw new Error('usage: catalog-build.ts <output.json>')
  writeFileSync(out, JSON.stringify(buildCatalog()))
}
