import type { Store } from '../store/index.ts'
import type { WorkQueues } from '../stream/index.ts'
import type { Permission, Principal } from './principal.ts'
import type { ApiVersion } from './versioning.ts'

/** What every Public API route plugin receives. */
export interface ApiContext {
  store: Store
  /** The event stream's work queues, when this process has them (dead letters, purging on delete). */
  queues?: WorkQueues
  /** The data directory (absolute), when this process has one: where DuckDB warehouse files live. */
  dataDir?: string
  /** Tells this process's warehouse sync service that a sync was asked for (else it finds it by polling). */
  onWarehouseSyncRequested?: () => void
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the guard on every Public API request that reaches a handler. */
    principal: Principal
  }
  interface FastifyContextConfig {
    /** Segment's operation id (`listSources`), for logs and the OpenAPI document. */
    operation?: string
    /**
     * What the caller must be granted; `authenticated` means any valid token or session; `public`
     * means no authentication at all (logging in). Every Public API route must say (registration
     * fails otherwise), so no route is open by omission.
     */
    permission?: Permission | 'authenticated' | 'public'
    /**
     * The permission must be held on all current and future resources, not just some (creating a
     * source or warehouse: Segment's "all current and future" scope).
     */
    wholeWorkspace?: boolean
    /** Maturity versions the operation exists in, most stable first. Default: all. */
    versions?: readonly ApiVersion[]
    /**
     * The operation answers a Server-Sent Events stream: any `Accept` is fine, and the token may
     * also come as the `token` query parameter, since browsers' `EventSource` can't send headers.
     */
    eventStream?: boolean
  }
}
