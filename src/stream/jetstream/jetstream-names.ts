import { checkName } from '../stream-arguments.ts'

/**
 * Names of everything this adapter creates on the server, all under one namespace (which has no
 * `_`, so `<namespace>_<topic>` splits one way only):
 *
 * | what              | name                                                            |
 * | ----------------- | --------------------------------------------------------------- |
 * | a topic's stream  | `<namespace>_<topic>`, subject `<namespace>.<topic>`            |
 * | group positions   | KV bucket `<namespace>_positions`, key `<topic>.<group>`        |
 * | a queue's items   | `<namespace>_q_<queue>`, subject `<namespace>.q.<queue>`        |
 * | its claims        | durable consumer `claims` of that stream                        |
 * | its parked items  | `<namespace>_qp_<queue>`, subject `<namespace>.qp.<queue>.<id>` |
 * | retry attempts    | KV bucket `<namespace>_queue_attempts`, key `<queue>.<id>`      |
 *
 * A queue's streams have subjects of three tokens or more, a topic's of two, so neither is ever
 * taken for the other; the stream name `<namespace>_q_<queue>` is also that of a topic named
 * `q_<queue>`, and whichever comes second is refused (`JetStreamQueueSetup`, `JetStreamTopics`).
 */
export class JetStreamNames {
  constructor(readonly namespace: string) {}

  stream(topic: string): string {
    return `${this.namespace}_${topic}`
  }

  subject(topic: string): string {
    return `${this.namespace}.${topic}`
  }

  /** The topic a stream holds, or undefined for streams that are not this namespace's topics. */
  topicOf(stream: { name: string; subjects?: readonly string[] }): string | undefined {
    const prefix = `${this.namespace}_`
    if (!stream.name.startsWith(prefix)) return undefined
    const topic = stream.name.slice(prefix.length)
    try {
      checkName('topic', topic)
    } catch {
      return undefined
    }
    return stream.subjects?.length === 1 && stream.subjects[0] === this.subject(topic) ? topic : undefined
  }

  get positionsBucket(): string {
    return `${this.namespace}_positions`
  }

  positionKey(topic: string, group: string): string {
    return `${topic}.${group}`
  }

  queueStream(queue: string): string {
    return `${this.namespace}_q_${queue}`
  }

  queueSubject(queue: string): string {
    return `${this.namespace}.q.${queue}`
  }

  parkedStream(queue: string): string {
    return `${this.namespace}_qp_${queue}`
  }

  /** The parked copy of item `id` (one subject per item); `*` matches every item of the queue. */
  parkedSubject(queue: string, id: number | '*'): string {
    return `${this.namespace}.qp.${queue}.${id}`
  }

  /** The durable consumer of a queue's work stream. */
  get queueConsumer(): string {
    return 'claims'
  }

  get attemptsBucket(): string {
    return `${this.namespace}_queue_attempts`
  }

  /** The attempts record of item `id`; `>` matches every item of the queue. */
  attemptsKey(queue: string, id: number | '>'): string {
    return `${queue}.${id}`
  }

  /** Splits a position key back into topic and group. */
  parsePositionKey(key: string): { topic: string; group: string } | undefined {
    const dot = key.indexOf('.')
    if (dot < 1) return undefined
    return { topic: key.slice(0, dot), group: key.slice(dot + 1) }
  }
}
