import { randomBytes } from 'node:crypto'
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface SecretKeyResolution {
  key: string
  source: 'environment' | 'file' | 'generated'
  path?: string
}

/** Shortest key material accepted, from the environment or the key file. */
export const MIN_SECRET_KEY_LENGTH = 32

/**
 * The key that encrypts stored credentials: from configuration when given, else from
 * `<dataDir>/secret.key`, generated (mode 0600) on first start. Every process sharing a database
 * must use the same key, so scaled-out installs should set SWITCHYARD_SECRET_KEY.
 *
 * The file appears complete or not at all: it is written under a temporary name and then linked
 * into place, which fails if another process got there first (then its key is used).
 */
export function resolveSecretKey(configured: string | undefined, dataDir: string): SecretKeyResolution {
  if (configured !== undefined) return { key: configured, source: 'environment' }
  const path = join(dataDir, 'secret.key')
  const existing = readKeyFile(path)
  if (existing !== undefined) return { key: existing, source: 'file', path }
  mkdirSync(dataDir, { recursive: true })
  const key = randomBytes(32).toString('base64url')
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`
  writeFileSync(temporary, key + '\n', { mode: 0o600 })
  try {
    linkSync(temporary, path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    return { key: readKeyFile(path)!, source: 'file', path }
  } finally {
    rmSync(temporary, { force: true })
  }
  return { key, source: 'generated', path }
}

function readKeyFile(path: string): string | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
  if (text.length < MIN_SECRET_KEY_LENGTH) {
    throw new Error(
      `${path} holds ${text.length} characters; a secret key needs at least ${MIN_SECRET_KEY_LENGTH}. Restore the original file, or set SWITCHYARD_SECRET_KEY`,
    )
  }
  return text
}
