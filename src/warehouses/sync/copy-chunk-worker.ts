/**
 * A thread that builds a sync's COPY chunks (see `build-threads.ts`): a `CopyChunkBuild` per chunk,
 * fed the chunk's records as the sync reads them, so that reading messages and writing COPY rows use a
 * core of their own. The thread runs this file bundled with what it imports into one script
 * (`build-threads.ts`), so it starts without a module loader and compiles in milliseconds.
 *
 * Messages in, per chunk: `{ start }` (a `CopyChunkStart`), `{ records }` (`CopyRecords`, any number),
 * `{ finish: true }`. Messages out: `{ ready: true }` once loaded, then `{ chunk }` (its text buffers
 * transferred) or `{ error: { message, stack } }` per chunk.
 */
import { parentPort, type MessagePort } from 'node:worker_threads'
import { CopyChunkBuild } from './copy-chunk.ts'
import type { BuildMessage } from './build-threads.ts'

const port = parentPort as MessagePort
let build: CopyChunkBuild | undefined
/** The chunk's first failure, reported when it finishes. */
let failure: unknown

function receive(message: BuildMessage): void {
  try {
    if ('start' in message) {
      build = new CopyChunkBuild(message.start)
      failure = undefined
    } else if ('records' in message) {
      if (failure === undefined) build?.add(message.records)
    } else {
      if (failure !== undefined) throw failure
      if (build === undefined) throw new Error('a chunk finished before it started')
      const { sources, transfer } = build.finish()
      build = undefined
      port.postMessage({ chunk: { sources, transfer: [] } }, transfer)
    }
  } catch (e) {
    if (!('finish' in message)) {
      failure = e
      return
    }
    build = undefined
    const error = e as Error | undefined
    port.postMessage({ error: { message: error?.message ?? String(e), stack: error?.stack } })
  }
}

port.on('message', receive)
port.postMessage({ ready: true })
