import type { StoredMsg } from 'nats'
import type { QueueItem } from '../queues.ts'
import {
  apiErrorCode,
  NO_MESSAGE_FOUND,
  STREAM_NOT_FOUND,
  type JetStreamContext,
} from './jetstream-connection.ts'
import { decodeParked, type EncodedItem } from './jetstream-queue-items.ts'

/**
 * Parked items: the stream `<namespace>_qp_<queue>`, one subject per item
 * (`<namespace>.qp.<queue>.<id>`, one message kept per subject). The subject keeps the id the item
 * had in the work stream, so a parked item keeps its id, and finding, listing and removing one by
 * id needs no mapping: the server indexes messages by subject.
 *
 * Listing in id order asks the server for the parked subjects of the queue (names and counts only,
 * no message is read), sorts their ids and gets the page's messages by subject: each page costs a
 * listing of every parked id of the queue (about 40 bytes each), then one get per item returned.
 */
export class ParkedItems {
  readonly #ctx: JetStreamContext

  constructor(ctx: JetStreamContext) {
    this.#ctx = ctx
  }

  /** Stores the parked copy of item `id` and waits for the PubAck. The parked stream must exist. */
  async put(queue: string, id: number, item: EncodedItem): Promise<void> {
    const { js, names } = this.#ctx
    await js.publish(names.parkedSubject(queue, id), item.payload, {
      headers: item.headers,
      expect: { streamName: names.parkedStream(queue) },
    })
  }

  /** The parked copy of item `id`, if it is parked. */
  async get(queue: string, id: number): Promise<StoredMsg | undefined> {
    const { jsm, names } = this.#ctx
    try {
      return await jsm.streams.getMessage(names.parkedStream(queue), {
        last_by_subj: names.parkedSubject(queue, id),
      })
    } catch (e) {
      const code = apiErrorCode(e)
      if (code === NO_MESSAGE_FOUND || code === STREAM_NOT_FOUND) return undefined
      throw e
    }
  }

  /** Parked items with ids after `after`, in id order. */
  async list(queue: string, after: number, max: number): Promise<QueueItem[]> {
    const { jsm, names } = this.#ctx
    let subjects: Record<string, number>
    try {
      const info = await jsm.streams.info(names.parkedStream(queue), {
        subjects_filter: names.parkedSubject(queue, '*'),
      })
      subjects = info.state.subjects ?? {}
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return []
      throw e
    }
    const ids = Object.keys(subjects)
      .map((subject) => Number(subject.slice(subject.lastIndexOf('.') + 1)))
      .filter((id) => Number.isSafeInteger(id) && id > after)
      .sort((a, b) => a - b)
    const items: QueueItem[] = []
    // An item unparked or discarded since the listing is skipped, and the page filled from the next ids.
    for (let at = 0; at < ids.length && items.length < max;) {
      const chunk = ids.slice(at, at + max - items.length)
      at += chunk.length
      const stored = await Promise.all(chunk.map((id) => this.get(queue, id)))
      stored.forEach((message, i) => {
        if (message !== undefined)
          items.push(decodeParked(chunk[i]!, { headers: message.header, data: message.data }))
      })
    }
    return items
  }

  /** Removes the parked copy of item `id`, or of every item of the queue; returns how many. */
  async remove(queue: string, id: number | '*'): Promise<number> {
    const { jsm, names } = this.#ctx
    try {
      const stream = names.parkedStream(queue)
      const purged =
        id === '*'
          ? jsm.streams.purge(stream)
          : jsm.streams.purge(stream, { filter: names.parkedSubject(queue, id) })
      return (await purged).purged
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return 0
      throw e
    }
  }

  /** How many items are parked. */
  async count(queue: string): Promise<number> {
    try {
      return (await this.#ctx.jsm.streams.info(this.#ctx.names.parkedStream(queue))).state.messages
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return 0
      throw e
    }
  }
}
