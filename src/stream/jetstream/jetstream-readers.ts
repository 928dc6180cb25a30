import { valueBytes, type ReadLimits } from '../stream-arguments.ts'
import type { StreamRecord } from '../stream.ts'
import type { JetStreamContext } from './jetstream-connection.ts'
import { JetStreamCursor } from './jetstream-cursor.ts'
import { decodeRecord } from './jetstream-records.ts'

/** The least a read's first pull waits for the server to hand over what was appended just before. */
const SETTLE_MS = 100

/** A group's cursor in this process, kept between reads while the group reads on where it left off. */
interface Reader {
  readonly cursor: JetStreamCursor
  /** The offset the next read must start after to continue with this cursor. */
  after: number
  /** Records pulled but not returned (past `maxBytes`); they come first on the next read. */
  buffer: StreamRecord[]
  busy: boolean
}

/**
 * Reads for groups. The usual consumer reads on from where its last read ended (read, commit,
 * read), so each group keeps its cursor: one pull per read, no consumer created. A read from
 * elsewhere (a re-read without commit, `after`, a concurrent read of the same group) opens a new
 * cursor at its position.
 */
export class JetStreamReaders {
  readonly #ctx: JetStreamContext
  readonly #readers = new Map<string, Reader>()
  /** Consumers being deleted, so that closing waits for them. */
  readonly #closing = new Set<Promise<void>>()

  constructor(ctx: JetStreamContext) {
    this.#ctx = ctx
  }

  async read(
    topic: string,
    group: string,
    after: number,
    limits: ReadLimits,
    signal: AbortSignal,
  ): Promise<StreamRecord[]> {
    const id = `${topic}\0${group}`
    let reader = this.#readers.get(id)
    let kept = true
    if (reader === undefined || reader.busy || reader.after !== after || !reader.cursor.usable) {
      if (reader !== undefined && !reader.busy) this.#drop(id, reader)
      const cursor = await JetStreamCursor.open(this.#ctx, this.#ctx.names.stream(topic), after + 1)
      const fresh: Reader = { cursor, after, buffer: [], busy: false }
      kept = !this.#readers.has(id)
      if (kept) this.#readers.set(id, fresh)
      reader = fresh
    }
    reader.busy = true
    try {
      const records = reader.buffer
      reader.buffer = []
      const deadline = performance.now() + limits.waitMs
      // Records in hand: top up without waiting. None: wait (in pulls of limited length) for the first.
      while (records.length < limits.max && bytesOf(records) < limits.maxBytes) {
        // A consumer learns of new messages asynchronously: a `no_wait` pull just after an append can
        // miss it. The first pull of a read therefore waits at least a moment (read-your-writes).
        const wait = records.length > 0 ? 0 : Math.max(SETTLE_MS, deadline - performance.now())
        const pulled = await reader.cursor.pull(limits.max - records.length, wait, signal)
        for (const message of pulled) records.push(decodeRecord(topic, message))
        // Stop once something is in hand (a top-up that finds nothing more is done), or time is up.
        if (records.length > 0 || performance.now() >= deadline || signal.aborted || !reader.cursor.usable)
          break
      }
      const cut = cutAt(records, limits)
      reader.buffer = records.slice(cut)
      const returned = records.slice(0, cut)
      reader.after = returned.at(-1)?.offset ?? after
      return returned
    } finally {
      reader.busy = false
      if (!kept || !reader.cursor.usable) this.#drop(id, reader)
    }
  }

  /** Forgets a group's cursor (the group was removed). */
  forget(topic: string, group: string): void {
    const id = `${topic}\0${group}`
    const reader = this.#readers.get(id)
    if (reader !== undefined && !reader.busy) this.#drop(id, reader)
  }

  /** Deletes every cursor's consumer; call once reads have ended. */
  async closeAll(): Promise<void> {
    for (const [id, reader] of [...this.#readers]) this.#drop(id, reader)
    await Promise.all(this.#closing)
  }

  #drop(id: string, reader: Reader): void {
    if (this.#readers.get(id) === reader) this.#readers.delete(id)
    const closing = reader.cursor.close()
    this.#closing.add(closing)
    void closing.finally(() => this.#closing.delete(closing))
  }
}

const bytesOf = (records: readonly StreamRecord[]): number =>
  records.reduce((sum, record) => sum + valueBytes(record.value), 0)

/** How many records fit `max` and `maxBytes`; at least one. */
function cutAt(records: readonly StreamRecord[], limits: ReadLimits): number {
  let bytes = 0
  let count = 0
  for (const record of records) {
    bytes += valueBytes(record.value)
    if (count >= limits.max || (count > 0 && bytes > limits.maxBytes)) break
    count += 1
  }
  return count
}
