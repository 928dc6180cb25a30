/**
 * Builds the web app (`web/` → `web/dist`) with Vite. `npm run build:web` always builds;
 * `--if-stale` (what `npm start` runs first) builds only when `web/dist` is missing or older than
 * the app's sources or the lockfile, so a fresh clone serves the app and a restart costs nothing.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = fileURLToPath(new URL('..', import.meta.url))
const web = join(root, 'web')
const dist = join(web, 'dist')
const stamp = join(dist, 'build.json')

/** The newest modification time of the app's inputs: everything under `web/` but `dist`, and the lockfile. */
function newestInput(): number {
  let newest = statSync(join(root, 'package-lock.json')).mtimeMs
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (entry.isDirectory()) {
        if (path !== dist && entry.name !== 'node_modules') walk(path)
      } else newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  walk(web)
  return newest
}

/** Why the app must be built, or undefined when `web/dist` is up to date. */
export function webBuildStale(): string | undefined {
  if (!existsSync(stamp)) return 'web/dist is missing'
  if (statSync(stamp).mtimeMs < newestInput()) return 'web/ changed since the last build'
  return undefined
}

export async function buildWeb(): Promise<void> {
  const { build } = await import('vite')
  await build({ configFile: join(web, 'vite.config.ts'), logLevel: 'info' })
  // The control port has no compression of its own: it serves these twins to clients that take gzip.
  const assets = join(dist, 'assets')
  for (const name of readdirSync(assets)) {
    if (/\.(js|css|svg|json)$/.test(name))
      writeFileSync(join(assets, `${name}.gz`), gzipSync(readFileSync(join(assets, name)), { level: 9 }))
  }
  writeFileSync(stamp, `${JSON.stringify({ builtAt: new Date().toISOString() })}\n`)
}

/** Builds when stale; answers whether it built. */
export async function ensureWebBuild(): Promise<boolean> {
  const reason = webBuildStale()
  if (!reason) return false
  console.log(`Building the web app (${reason})…`)
  await buildWeb()
  return true
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--if-stale')) await ensureWebBuild()
  else await buildWeb()
}
