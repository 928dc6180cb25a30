import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface SecretKeyResolution {
  key: string
  source: 'environment' | 'file' | 'generated'
  path?: string
}

/**
 * The key that encrypts stored credentials: from configuration when given, else from
 * `<dataDir>/secret.key`, generated (mode 0600) on first start. Every process sharing a database
 * must use the same key, so scaled-out installs should set SWITCHYARD_SECRET_KEY.
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): SecretKeyResolution {
  if (configured !== undefined) return { key: configured, source: 'environment' }
  const path = join(dataDir, 'secret.key')
  try {
    return { key: readFileSync(path, 'utf8').trim(), source: 'file', path }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e
  }
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  // 'wx' fails if another process created the file in the meantime; then use theirs.
  try {
    writeFileSync(path, key + '\n', { mode: 0o600, flag: 'wx' })
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return resolveSecretKey(undefined, dataDir)
    throw e
  }
  return { key, source: 'generated', path }
}
