import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openStream, type FileSync } from '../../src/stream/index.ts'

/**
 * With durability `full` the SQLite stream syncs its WAL off the event loop: an append is
 * acknowledged only once the sync covering its commit has finished, and a failed sync fails it.
 */
const tick = () => new Promise((resolve) => setTimeout(resolve, 20))

test('an append waits for the WAL sync after its commit, and a failed sync fails it', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-test-'))
  const syncs: Array<(error: NodeJS.ErrnoException | null) => void> = []
  let fail = false
  const fdatasync: FileSync = (_fd, callback) =>
    void syncs.push(() => callback(fail ? Object.assign(new Error('EIO'), { code: 'EIO' }) : null))
  const stream = await openStream({ kind: 'sqlite', dataDir, durability: 'full' }, { fdatasync })
  try {
    let acknowledged = false
    const append = stream.append('t', [{ key: 'k', value: 'one' }]).then((r) => ((acknowledged = true), r))
    await tick()
    assert.equal(syncs.length, 1, 'the commit started a sync')
    assert.equal(acknowledged, false, 'not acknowledged before the sync')
    syncs.shift()!(null)
    assert.deepEqual(await append, [{ offset: 1, duplicate: false }])

    fail = true
    const failing = stream.append('t', [{ key: 'k', value: 'two' }])
    await tick()
    syncs.shift()!(null)
    await assert.rejects(failing, { code: 'EIO' })
    await assert.rejects(stream.append('t', [{ key: 'k', value: 'three' }]), { code: 'EIO' })
  } finally {
    const closing = stream.close()
    for (const sync of syncs) sync(null)
    await closing
    rmSync(dataDir, { recursive: true, force: true })
  }
})
