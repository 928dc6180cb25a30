import { checkName } from '../stream-arguments.ts'

/**
 * Names of everything this adapter creates on the server, all under one namespace (which has no
 * `_`, so `<namespace>_<topic>` splits one way only):
 *
 * | what              | name                                                      |
 * | ----------------- | --------------------------------------------------------- |
 * | a topic's stream  | `<namespace>_<topic>`, subject `<namespace>.<topic>`      |
 * | group positions   | KV bucket `<namespace>_positions`, key `<topic>.<group>` |
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

  /** Splits a position key back into topic and group. */
  parsePositionKey(key: string): { topic: string; group: string } | undefined {
    const dot = key.indexOf('.')
    if (dot < 1) return undefined
    return { topic: key.slice(0, dot), group: key.slice(dot + 1) }
  }
}
