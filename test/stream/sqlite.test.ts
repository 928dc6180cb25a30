import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openStream } from '../../src/stream/index.ts'
import { streamContract } from './contract.ts'

streamContract('sqlite', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'))
  return {
    open: (overrides, deps) => openStream({ kind: 'sqlite', dataDir, ...overrides }, deps),
    cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
  }
})
