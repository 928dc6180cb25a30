import assert from 'node:assert/strict'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import Fastify from 'fastify'
import { publicApi } from '../src/api/index.ts'
import { SETTINGS } from '../src/config/index.ts'
import { ERROR_CODES } from '../src/errors/index.ts'
import type { Store } from '../src/store/index.ts'

const root = new URL('..', import.meta.url).pathname
const read = (path: string) => readFileSync(join(root, path), 'utf8')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') && !path.endsWith('.test.ts') ? [path] : []
  })
}

test('docs/errors.md documents exactly the registered error codes', () => {
  const documented = [...read('docs/errors.md').matchAll(/^\| `(SY_[A-Z_]+)`/gm)].map((m) => m[1])
  assert.deepEqual(documented.sort(), Object.keys(ERROR_CODES).sort())
})

test('every error code used in the source is registered', () => {
  const registered = new Set(Object.keys(ERROR_CODES))
  for (const file of sourceFiles(join(root, 'src'))) {
    for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"`](SY_[A-Z_]+)['"`]/g)) {
      assert.ok(registered.has(code!), `${code} in ${file} is not in src/errors/codes.ts`)
    }
  }
})

test("the README's configuration table lists exactly the settings", () => {
  const readme = read('README.md')
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## What works today'))
  const documented = [...section.matchAll(/^\| `(SWITCHYARD_[A-Z_]+)`\s*\| `--([a-z-]+)`/gm)].map(
    (m) => `${m[1]} --${m[2]}`,
  )
  assert.deepEqual(
    documented.sort(),
    Object.values(SETTINGS)
      .map((s) => `${s.env} --${s.flag}`)
      .sort(),
  )
})

test('docs/public-api.md lists every Public API operation', async () => {
  const app = Fastify()
  const operations: string[] = []
  app.addHook('onRoute', (route) => {
    const operation = (route.config as { operation?: string } | undefined)?.operation
    if (operation) operations.push(operation)
  })
  await app.register(publicApi, { prefix: '/api', store: {} as Store, rateLimitPerMinute: 1 })
  await app.ready()
  await app.close()
  const doc = read('docs/public-api.md')
  assert.ok(operations.length >= 11)
  for (const operation of new Set(operations))
    assert.match(doc, new RegExp(`\\| ${operation}\\s+\\|`), operation)
})
