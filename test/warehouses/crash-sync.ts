/**
 * Runs the waiting warehouse sync of a data directory and kills itself (SIGKILL) once the chunk
 * numbered `killAfterChunk` is loaded but before its stream position is committed: the sync crash
 * test's child. Arguments: data dir, chunk size, killAfterChunk.
 */
import { join } from 'node:path'
import { createLogger } from '../../src/server/index.ts'
import { openStore, resolveSecretKey } from '../../src/store/index.ts'
import { openStream } from '../../src/stream/index.ts'
import { warehouseTopic } from '../../src/pipeline/index.ts'
import { runWarehouseSync } from '../../src/warehouses/index.ts'

const [dataDir, chunkRecords, killAfterChunk] = process.argv.slice(2)
const store = openStore({
  target: { kind: 'sqlite', path: join(dataDir!, 'switchyard.db') },
  secretKey: resolveSecretKey(undefined, dataDir!).key,
})
const stream = await openStream({ kind: 'sqlite', dataDir: dataDir! })
const sync = await store.warehouseSyncs.claim('crash-child', 1000)
if (!sync) throw new Error('no sync waiting')
const warehouse = (await store.warehouses.get(sync.workspaceId, sync.warehouseId))!
let chunks = 0
await runWarehouseSync({
  store,
  stream,
  warehouse,
  sync,
  topic: warehouseTopic(warehouse.id),
  dataDir: dataDir!,
  owner: 'crash-child',
  leaseMs: 1000,
  logger: createLogger('silent'),
  chunkRecords: Number(chunkRecords),
  afterChunkLoaded() {
    if (++chunks === Number(killAfterChunk)) {
      process.stdout.write(`killed after chunk ${chunks}\n`)
      process.kill(process.pid, 'SIGKILL')
    }
  },
})
process.stdout.write('finished without being killed\n')
