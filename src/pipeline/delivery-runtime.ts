import type { Logger } from 'pino'
import {
  WEBHOOK_DESTINATION,
  actionsDriver,
  compileFilters,
  findDestinationEntry,
  webhookDriver,
  type DestinationDriver,
  type RetryPolicy,
} from '../destinations/index.ts'
import type { Destination, Repositories } from '../store/index.ts'
import type { WorkQueues } from '../stream/index.ts'
import { DeliveryWorker, type DeliveryRecorder } from './delivery-worker.ts'
import type { RoutingTable } from './routing.ts'

export interface DeliveryRuntimeOptions {
  queues: WorkQueues
  /** Where a destination's mappings are read and its refreshed OAuth tokens kept. */
  store: Pick<Repositories, 'destinations' | 'destinationSubscriptions' | 'destinationFilters'>
  routing: RoutingTable
  recorder: DeliveryRecorder
  logger: Logger
  /** How often the set of workers is matched to the enabled destinations. Default 2 s. */
  refreshMs?: number
  concurrency?: number
  retryPolicy?: Readonly<RetryPolicy>
  /** Sandbox egress for every destination of this runtime (see `destinations/egress.ts`). */
  egressUrl?: string
}

/** Makes the driver for a destination instance, or says why it cannot be delivered. */
export async function driverFor(
  destination: Destination,
  store: Pick<Repositories, 'destinations' | 'destinationSubscriptions'>,
): Promise<DestinationDriver | string> {
  try {
    if (destination.metadataId === WEBHOOK_DESTINATION.metadataId) {
      return webhookDriver(destination.settings, destination.consentCategories)
    }
    const entry = findDestinationEntry(destination.metadataId)
    if (entry?.definition === undefined) {
      return `destination ${destination.metadataId} is not in this version's catalog`
    }
    const mappings = await store.destinationSubscriptions.list(destination.workspaceId, destination.id)
    return actionsDriver({
      record: entry.definition,
      settings: destination.settings,
      mappings: mappings.map((m) => ({
        id: m.id,
        name: m.name,
        actionSlug: m.actionSlug,
        trigger: m.trigger,
        mapping: m.mapping,
        enabled: m.enabled,
      })),
      consentCategories: destination.consentCategories,
      onTokenRefresh: (oauth) =>
        store.destinations.saveOAuthTokens(destination.workspaceId, destination.id, oauth),
    })
  } catch (error) {
    return `its settings are invalid (${(error as Error).message})`
  }
}

/**
 * One `DeliveryWorker` per enabled destination instance, kept in step with the control plane: a new
 * or enabled destination gets a worker within `refreshMs`, a disabled or deleted one loses it (its
 * queue keeps what is in it), and a settings change restarts the worker with the new settings.
 * Several processes may run a runtime: the queues' leases share the work between them.
 */
export class DeliveryRuntime {
  readonly #workers = new Map<string, { worker: DeliveryWorker; version: string }>()
  readonly #unsupported = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #syncing: Promise<void> | undefined
  #stopped = false

  constructor(private readonly options: DeliveryRuntimeOptions) {}

  async start(): Promise<void> {
    await this.sync()
    this.#timer = setInterval(() => void this.sync(), this.options.refreshMs ?? 2_000)
    this.#timer.unref()
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearInterval(this.#timer)
    await this.#syncing
    await Promise.all([...this.#workers.values()].map(({ worker }) => worker.stop()))
    this.#workers.clear()
  }

  /** Matches the workers to the enabled destinations now. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => (this.#syncing = undefined))
    return this.#syncing
  }

  async #sync(): Promise<void> {
    if (this.#stopped) return
    let destinations: readonly Destination[]
    try {
      destinations = (await this.options.routing.current()).destinations
    } catch (error) {
      this.options.logger.error({ err: error }, 'could not read destinations; keeping the current workers')
      return
    }
    const wanted = new Map(destinations.map((d) => [d.id, d]))
    const stopping: Promise<void>[] = []
    for (const [id, running] of this.#workers) {
      const destination = wanted.get(id)
      if (destination === undefined || destination.updatedAt !== running.version) {
        this.#workers.delete(id)
        stopping.push(running.worker.stop())
      }
    }
    await Promise.all(stopping)
    if (this.#stopped) return
    for (const destination of destinations) {
      if (this.#workers.has(destination.id)) continue
      const driver = await driverFor(destination, this.options.store)
      if (typeof driver === 'string') {
        if (!this.#unsupported.has(`${destination.id}@${destination.updatedAt}`)) {
          this.#unsupported.add(`${destination.id}@${destination.updatedAt}`)
          this.options.logger.warn(
            { destinationId: destination.id },
            `destination ${destination.name} is not delivered: ${driver}; its messages wait in its queue`,
          )
        }
        continue
      }
      let filters
      try {
        const stored = await this.options.store.destinationFilters.list(
          destination.workspaceId,
          destination.id,
        )
        filters = compileFilters(
          stored.map((f) => ({ id: f.id, if: f.condition, actions: f.actions, enabled: f.enabled })),
        )
      } catch (error) {
        this.options.logger.error(
          { err: error, destinationId: destination.id },
          'could not read filters; retrying',
        )
        continue
      }
      const worker = new DeliveryWorker({
        destinationId: destination.id,
        driver,
        filters,
        queues: this.options.queues,
        recorder: this.options.recorder,
        logger: this.options.logger,
        ...(this.options.concurrency !== undefined && { concurrency: this.options.concurrency }),
        ...(this.options.retryPolicy && { retryPolicy: this.options.retryPolicy }),
        ...((destination.egressUrl ?? this.options.egressUrl) !== undefined && {
          egressUrl: destination.egressUrl ?? this.options.egressUrl,
        }),
      })
      worker.start()
      this.#workers.set(destination.id, { worker, version: destination.updatedAt })
    }
  }
}
