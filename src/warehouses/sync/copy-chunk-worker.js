// @ts-check
/**
 * A thread that builds a sync's COPY chunks (see `copy-chunk-builder.ts`): a `CopyChunkBuild` per
 * chunk, fed the chunk's records as the sync reads them, so that reading messages and writing COPY text
 * use a core of their own. Plain JavaScript, because the thread starts without the TypeScript loader:
 * it registers tsx itself before loading the TypeScript.
 *
 * Messages in, per chunk: `{ start }` (a `CopyChunkStart`), `{ records }` (`CopyRecords`, any number),
 * `{ finish: true }`. Messages out: `{ ready: true }` once loaded, then `{ chunk }` (its text buffers
 * transferred) or `{ error: { message, stack } }` per chunk.
 */
import { parentPort } from 'node:worker_threads'
import { register } from 'tsx/esm/api'

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
register()
/** @type {typeof import('./copy-chunk.ts')} */
const { CopyChunkBuild } = await import('./copy-chunk.ts')

/** @type {import('./copy-chunk.ts').CopyChunkBuild | undefined} */
let build
/** @type {unknown} */
let failure

/** @param {{ start?: import('./copy-chunk.ts').CopyChunkStart, records?: import('./copy-chunk.ts').CopyRecords, finish?: true }} message */
function receive(message) {
  try {
    if (message.start) {
      build = new CopyChunkBuild(message.start)
      failure = undefined
    } else if (message.records) {
      if (failure === undefined) build?.add(message.records)
    } else if (message.finish) {
      if (failure !== undefined) throw failure
      if (build === undefined) throw new Error('a chunk finished before it started')
      const { sources, transfer } = build.finish()
      build = undefined
      port.postMessage({ chunk: { sources, transfer: [] } }, transfer)
    }
  } catch (e) {
    if (!message.finish) {
      failure = e
      return
    }
    build = undefined
    const error = /** @type {Error} */ (e)
    port.postMessage({ error: { message: error?.message ?? String(e), stack: error?.stack } })
  }
}

port.on('message', receive)
port.postMessage({ ready: true })
