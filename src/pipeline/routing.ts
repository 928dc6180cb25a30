import type { Destination, Store } from '../store/index.ts'

/** Where one source's messages go. */
export interface SourceRoutes {
  readonly destinations: readonly Destination[]
  readonly warehouseIds: readonly string[]
}

const NO_ROUTES: SourceRoutes = Object.freeze({ destinations: [], warehouseIds: [] })

/** Every enabled connection, by source id. */
export class RoutingSnapshot {
  readonly #bySource = new Map<string, { destinations: Destination[]; warehouseIds: string[] }>()

  constructor(
    readonly destinations: readonly Destination[],
    connections: readonly { warehouseId: string; sourceId: string }[],
  ) {
    const entry = (sourceId: string) => {
      let routes = this.#bySource.get(sourceId)
      if (routes === undefined)
        this.#bySource.set(sourceId, (routes = { destinations: [], warehouseIds: [] }))
      return routes
    }
    for (const destination of destinations) entry(destination.sourceId).destinations.push(destination)
    for (const connection of connections) entry(connection.sourceId).warehouseIds.push(connection.warehouseId)
  }

  routes(sourceId: string): SourceRoutes {
    return this.#bySource.get(sourceId) ?? NO_ROUTES
  }
}

/**
 * The enabled destinations and warehouse connections. Each `current()` asks the control plane for a
 * change stamp (one small query) and reloads only when it moved, so the process stage routes every
 * batch by the connections as they are when it reads the batch, in every process.
 */
export class RoutingTable {
  #snapshot: { value: RoutingSnapshot; stamp: string } | undefined
  #loading: Promise<RoutingSnapshot> | undefined

  constructor(private readonly store: Store) {}

  current(): Promise<RoutingSnapshot> {
    this.#loading ??= this.#refresh().finally(() => (this.#loading = undefined))
    return this.#loading
  }

  async #refresh(): Promise<RoutingSnapshot> {
    const stamp = (
      await Promise.all([this.store.destinations.changeStamp(), this.store.warehouses.changeStamp()])
    ).join('/')
    if (this.#snapshot?.stamp === stamp) return this.#snapshot.value
    const [destinations, connections] = await Promise.all([
      this.store.destinations.listEnabled(),
      this.store.warehouses.enabledConnections(),
    ])
    const value = new RoutingSnapshot(destinations, connections)
    this.#snapshot = { value, stamp }
    return value
  }
}
