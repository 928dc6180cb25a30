import { StorageType, type KV } from 'nats'
import { apiErrorCode, STREAM_NOT_FOUND, type JetStreamContext } from './jetstream-connection.ts'

export interface AttemptRecord {
  readonly attempts: number
  readonly lastError: string
}

/**
 * What `retry` counted for items still in a work stream: a KV bucket (`<namespace>_queue_attempts`,
 * key `<queue>.<id>`, file storage, no history, read from the leader so that a record just written
 * is the one read). JetStream counts deliveries, and a lease that ends because its claimer crashed
 * is a delivery but not an attempt, so attempts are kept here, written before the item is handed
 * back. Only items that were retried have a record; it is removed when the item leaves the work
 * stream (ack, park, purge) by purging its subject, which leaves no delete marker behind.
 *
 * The bucket is made on first use, so a namespace without queues has none.
 */
export class QueueAttempts {
  readonly #ctx: JetStreamContext
  #kv: Promise<KV> | undefined

  constructor(ctx: JetStreamContext) {
    this.#ctx = ctx
  }

  async get(queue: string, id: number): Promise<AttemptRecord | undefined> {
    const entry = await (await this.#bucket()).get(this.#ctx.names.attemptsKey(queue, id))
    if (entry === null || entry.operation !== 'PUT') return undefined
    const record = entry.json<Partial<AttemptRecord>>()
    return { attempts: Number(record.attempts) || 0, lastError: String(record.lastError ?? '') }
  }

  async put(queue: string, id: number, record: AttemptRecord): Promise<void> {
    await (await this.#bucket()).put(this.#ctx.names.attemptsKey(queue, id), JSON.stringify(record))
  }

  /** Removes the record of one item, or of every item of the queue (`'>'`); returns how many. */
  async remove(queue: string, id: number | '>'): Promise<number> {
    const { jsm, names } = this.#ctx
    const bucket = names.attemptsBucket
    const key = names.attemptsKey(queue, id)
    try {
      return (await jsm.streams.purge(`KV_${bucket}`, { filter: `$KV.${bucket}.${key}` })).purged
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return 0
      throw e
    }
  }

  #bucket(): Promise<KV> {
    if (this.#kv === undefined) {
      const { js, names, replicas } = this.#ctx
      const opening = js.views.kv(names.attemptsBucket, {
        history: 1,
        storage: StorageType.File,
        replicas,
        allow_direct: false,
        description: 'Switchyard work queues: attempts and last error of retried items',
      })
      this.#kv = opening
      opening.catch(() => {
        if (this.#kv === opening) this.#kv = undefined
      })
    }
    return this.#kv
  }
}
