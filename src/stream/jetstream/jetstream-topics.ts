import { DiscardPolicy, nanos, RetentionPolicy, StorageType, type StreamInfo } from 'nats'
import {
  apiErrorCode,
  STREAM_NAME_IN_USE,
  STREAM_NOT_FOUND,
  type JetStreamContext,
} from './jetstream-connection.ts'

/** What the server reports about a topic's stream. */
export interface TopicState {
  readonly topic: string
  readonly stream: string
  /** The oldest stored record; `lastSeq + 1` when none is stored. */
  readonly firstSeq: number
  /** The newest record ever appended (0 before the first): offsets are never reused. */
  readonly lastSeq: number
  readonly messages: number
  /** What the server stores, headers and per-message overhead included. */
  readonly bytes: number
}

/**
 * A topic is a stream with one subject, file storage and no limits (retention is `prune`'s work),
 * whose `duplicate_window` is the dedupe window. Streams are created on first use, by whichever
 * process gets there first; a longer configured window or more replicas update an existing stream.
 */
export class JetStreamTopics {
  readonly #ctx: JetStreamContext
  readonly #dedupeWindowMs: number
  readonly #ready = new Map<string, Promise<void>>()

  constructor(ctx: JetStreamContext, dedupeWindowMs: number) {
    this.#ctx = ctx
    this.#dedupeWindowMs = dedupeWindowMs
  }

  /** Resolves once the topic's stream exists with at least this stream's dedupe window. */
  ensure(topic: string): Promise<void> {
    let ready = this.#ready.get(topic)
    if (ready === undefined) {
      ready = this.#create(topic)
      this.#ready.set(topic, ready)
      ready.catch(() => this.#ready.delete(topic))
    }
    return ready
  }

  /** Forgets that the stream exists (it was deleted under us): the next `ensure` checks again. */
  forget(topic: string): void {
    this.#ready.delete(topic)
  }

  async state(topic: string): Promise<TopicState | undefined> {
    try {
      return toState(topic, await this.#ctx.jsm.streams.info(this.#ctx.names.stream(topic)))
    } catch (e) {
      if (apiErrorCode(e) === STREAM_NOT_FOUND) return undefined
      throw e
    }
  }

  /** Every topic of this namespace that has a stream. */
  async list(): Promise<TopicState[]> {
    const { jsm, names } = this.#ctx
    const states: TopicState[] = []
    for await (const info of jsm.streams.list(`${names.namespace}.*`)) {
      const topic = names.topicOf(info.config)
      if (topic !== undefined) states.push(toState(topic, info))
    }
    return states.sort((a, b) => (a.topic < b.topic ? -1 : 1))
  }

  async #create(topic: string): Promise<void> {
    const { jsm, names, replicas } = this.#ctx
    const name = names.stream(topic)
    const window = nanos(this.#dedupeWindowMs)
    let info: StreamInfo
    try {
      info = await jsm.streams.info(name)
    } catch (e) {
      if (apiErrorCode(e) !== STREAM_NOT_FOUND) throw e
      try {
        info = await jsm.streams.add({
          name,
          subjects: [names.subject(topic)],
          description: `Switchyard event stream topic ${topic}`,
          storage: StorageType.File,
          retention: RetentionPolicy.Limits,
          discard: DiscardPolicy.Old,
          num_replicas: replicas,
          duplicate_window: window,
          deny_delete: true,
        })
      } catch (e2) {
        // Another process created it first.
        if (apiErrorCode(e2) !== STREAM_NAME_IN_USE) throw e2
        info = await jsm.streams.info(name)
      }
    }
    const subjects = info.config.subjects ?? []
    if (subjects.length !== 1 || subjects[0] !== names.subject(topic))
      throw new Error(`stream ${name} on NATS is not topic ${topic}'s (subjects ${subjects.join(', ')})`)
    if (info.config.duplicate_window < window || info.config.num_replicas < replicas) {
      await jsm.streams.update(name, {
        ...info.config,
        duplicate_window: Math.max(window, info.config.duplicate_window),
        num_replicas: Math.max(replicas, info.config.num_replicas),
      })
    }
  }
}

function toState(topic: string, info: StreamInfo): TopicState {
  const { state } = info
  return {
    topic,
    stream: info.config.name,
    firstSeq: state.messages === 0 ? state.last_seq + 1 : state.first_seq,
    lastSeq: state.last_seq,
    messages: state.messages,
    bytes: state.bytes,
  }
}
