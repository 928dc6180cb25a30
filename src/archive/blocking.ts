import type { BlockingRules as PipelineBlockingRules } from '../pipeline/index.ts'
import type { BlockedEvent, Store } from '../store/index.ts'

/**
 * Schema controls as data: the track event names each source blocks. A blocked event is archived
 * (flagged, so the debugger shows it) and counted in the schema, but never routed anywhere nor
 * replayed.
 */
export class BlockingRules implements PipelineBlockingRules {
  readonly #bySource = new Map<string, Set<string>>()

  constructor(blocked: readonly BlockedEvent[]) {
    for (const { sourceId, event } of blocked) {
      const names = this.#bySource.get(sourceId)
      if (names) names.add(event)
      else this.#bySource.set(sourceId, new Set([event]))
    }
  }

  /** Whether the source blocks anything: when not, its messages need not even be parsed. */
  blocksAny(sourceId: string): boolean {
    return this.#bySource.has(sourceId)
  }

  isBlocked(sourceId: string, message: { type: string; event?: unknown }): boolean {
    if (message.type !== 'track' || typeof message.event !== 'string') return false
    return this.#bySource.get(sourceId)?.has(message.event) ?? false
  }
}

/**
 * The blocked events of every source, cached. Each `current()` asks the control plane for a change
 * stamp (one small query) and reloads only when it moved, so a block takes effect at the next batch
 * of every process, like the routing table.
 */
export class BlockedEvents {
  #snapshot: { value: BlockingRules; stamp: string } | undefined
  #loading: Promise<BlockingRules> | undefined

  constructor(private readonly store: Pick<Store, 'sourceSchema'>) {}

  current(): Promise<BlockingRules> {
    this.#loading ??= this.#refresh().finally(() => (this.#loading = undefined))
    return this.#loading
  }

  async #refresh(): Promise<BlockingRules> {
    const stamp = await this.store.sourceSchema.blockedChangeStamp()
    if (this.#snapshot?.stamp === stamp) return this.#snapshot.value
    const value = new BlockingRules(await this.store.sourceSchema.listBlocked())
    this.#snapshot = { value, stamp }
    return value
  }
}
