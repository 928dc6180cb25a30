import { StorageType, type KV } from 'nats'
import { apiErrorCode, WRONG_LAST_SEQUENCE, type JetStreamContext } from './jetstream-connection.ts'

export interface GroupPosition {
  readonly group: string
  readonly offset: number
}

/**
 * Group positions in a KV bucket (one key per topic and group, file storage, no history). A commit
 * is a compare-and-set on the key's revision, so concurrent commits from any number of processes
 * never move a position back. The bucket is read from its leader (no direct gets from replicas),
 * so a position just committed is the one read.
 */
export class GroupPositions {
  readonly #ctx: JetStreamContext
  readonly #kv: KV

  private constructor(ctx: JetStreamContext, kv: KV) {
    this.#ctx = ctx
    this.#kv = kv
  }

  static async open(ctx: JetStreamContext): Promise<GroupPositions> {
    const kv = await ctx.js.views.kv(ctx.names.positionsBucket, {
      history: 1,
      storage: StorageType.File,
      replicas: ctx.replicas,
      allow_direct: false,
      description: 'Switchyard event stream: committed position of each consumer group',
    })
    return new GroupPositions(ctx, kv)
  }

  /** The committed offset, or undefined when the group is not registered. */
  async get(topic: string, group: string): Promise<number | undefined> {
    const entry = await this.#kv.get(this.#ctx.names.positionKey(topic, group))
    return entry === null || entry.operation !== 'PUT' ? undefined : decode(entry.value)
  }

  /** Registers the group at offset 0 unless it is registered already. */
  async register(topic: string, group: string): Promise<void> {
    await this.advance(topic, group, 0)
  }

  /** Moves the position forward to `offset` (never back), registering the group if needed. */
  async advance(topic: string, group: string, offset: number): Promise<void> {
    const key = this.#ctx.names.positionKey(topic, group)
    for (;;) {
      const entry = await this.#kv.get(key)
      const live = entry !== null && entry.operation === 'PUT'
      if (live && decode(entry.value) >= offset) return
      try {
        if (live) await this.#kv.update(key, encode(offset), entry.revision)
        else await this.#kv.create(key, encode(offset))
        return
      } catch (e) {
        // Another process wrote the key in between: read it again.
        if (apiErrorCode(e) !== WRONG_LAST_SEQUENCE) throw e
      }
    }
  }

  async remove(topic: string, group: string): Promise<void> {
    await this.#kv.purge(this.#ctx.names.positionKey(topic, group))
  }

  /** Every registered group by topic, or only those of `topic`. */
  async all(topic?: string): Promise<Map<string, GroupPosition[]>> {
    const { jsm, names } = this.#ctx
    const bucket = names.positionsBucket
    const filter = topic === undefined ? `$KV.${bucket}.>` : `$KV.${bucket}.${topic}.*`
    const info = await jsm.streams.info(`KV_${bucket}`, { subjects_filter: filter })
    const keys = Object.keys(info.state.subjects ?? {}).map((subject) =>
      subject.slice(`$KV.${bucket}.`.length),
    )
    const byTopic = new Map<string, GroupPosition[]>()
    await Promise.all(
      keys.map(async (key) => {
        const parsed = names.parsePositionKey(key)
        if (parsed === undefined) return
        const offset = await this.get(parsed.topic, parsed.group)
        if (offset === undefined) return
        const list = byTopic.get(parsed.topic) ?? []
        list.push({ group: parsed.group, offset })
        byTopic.set(parsed.topic, list)
      }),
    )
    for (const list of byTopic.values()) list.sort((a, b) => (a.group < b.group ? -1 : 1))
    return byTopic
  }

  /** Registered groups of one topic. */
  async ofTopic(topic: string): Promise<GroupPosition[]> {
    return (await this.all(topic)).get(topic) ?? []
  }
}

const encode = (offset: number): Uint8Array => Buffer.from(String(offset))
const decode = (value: Uint8Array): number => Number(Buffer.from(value).toString('utf8'))
