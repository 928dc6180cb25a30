import assert from 'node:assert/strict'
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mkdtempSync } from 'node:fs'
import { test } from 'node:test'
import { resolveSecretKey } from './secret-key.ts'

const withDir = (work: (dir: string) => void) => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-key-'))
  try {
    work(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

test('the configured key wins and no file is written', () =>
  withDir((dir) => {
    const r = resolveSecretKey('k'.repeat(40), dir)
    assert.deepEqual(r, { key: 'k'.repeat(40), source: 'environment' })
    assert.throws(() => statSync(join(dir, 'secret.key')))
  }))

test('first use generates a private key file; later uses read the same key', () =>
  withDir((dir) => {
    const first = resolveSecretKey(undefined, dir)
    assert.equal(first.source, 'generated')
    assert.ok(first.key.length >= 32)
    assert.equal(statSync(first.path!).mode & 0o777, 0o600)
    const again = resolveSecretKey(undefined, dir)
    assert.deepEqual([again.source, again.key], ['file', first.key])
  }))

test('a damaged key file is refused, not silently used', () =>
  withDir((dir) => {
    writeFileSync(join(dir, 'secret.key'), '\n')
    assert.throws(() => resolveSecretKey(undefined, dir), /at least 32/)
    assert.equal(readFileSync(join(dir, 'secret.key'), 'utf8'), '\n', 'and left as it was')
  }))
