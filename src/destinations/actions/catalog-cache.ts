/**
 * The Actions catalog file, built once per installed version of `@segment/action-destinations` and
 * `@segment/actions-core` and kept under `node_modules/.cache/switchyard/` (or the system's temporary
 * directory when that is not writable). Building it imports every definition, so it happens in a
 * child process: a serving process only ever imports the definitions its destinations use.
 */
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, sep } from 'node:path'
import { promisify } from 'node:util'
import { packageVersion } from './catalog-build.ts'
import { CATALOG_FORMAT_VERSION, type CatalogFile } from './catalog-record.ts'

const require = createRequire(import.meta.url)
const run = promisify(execFile)
const BUILDER = join(import.meta.dirname, 'catalog-build.ts')
/** Switchyard's own tsx, resolved here: `--import tsx` would resolve it from the working directory. */
const TSX = import.meta.resolve('tsx')

/** Where the catalog file of the installed versions, in this record format, lives. */
export function catalogCachePath(): string {
  const versions = `${packageVersion('@segment/action-destinations')}-${packageVersion('@segment/actions-core')}`
  const resolved = require.resolve('@segment/actions-core')
  const marker = `${sep}node_modules${sep}`
  const modules = resolved.slice(0, resolved.lastIndexOf(marker) + marker.length)
  return join(modules, '.cache', 'switchyard', `actions-catalog-v${CATALOG_FORMAT_VERSION}-${versions}.json`)
}

function readCatalog(path: string): CatalogFile | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as CatalogFile
  } catch {
    return undefined
  }
}

async function buildInto(path: string): Promise<CatalogFile> {
  mkdirSync(dirname(path), { recursive: true })
  // Written next to its final name, then renamed: readers never see half a file, and two processes
  // building at once both end with a whole one.
  const partial = `${path}.${process.pid}.partial`
  try {
    await run(process.execPath, ['--import', TSX, BUILDER, partial], { maxBuffer: 16 * 1024 * 1024 })
    renameSync(partial, path)
  } finally {
    rmSync(partial, { force: true })
  }
  const catalog = readCatalog(path)
  if (!catalog) throw new Error(`the Actions catalog built at ${path} cannot be read`)
  return catalog
}

let loading: Promise<CatalogFile> | undefined

/** The Actions catalog, built on first use (a few seconds, once per installed version). */
export function loadActionsCatalog(): Promise<CatalogFile> {
  loading ??= (async () => {
    const path = catalogCachePath()
    const cached = readCatalog(path)
    if (cached) return cached
    try {
      return await buildInto(path)
    } catch (error) {
      // A read-only node_modules: build into the temporary directory instead.
      if (
        (error as NodeJS.ErrnoException).code !== 'EACCES' &&
        (error as NodeJS.ErrnoException).code !== 'EROFS'
      )
        throw error
      const fallback = join(tmpdir(), 'switchyard-cache', path.slice(path.lastIndexOf(sep) + 1))
      return readCatalog(fallback) ?? (await buildInto(fallback))
    }
  })()
  loading.catch(() => (loading = undefined))
  return loading
}
