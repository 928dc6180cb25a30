/**
 * The contract every `EventStream` adapter passes. An adapter's test file calls
 * `streamContract(name, factory)` with a factory of fresh, empty storage (see `sqlite.test.ts`).
 */
import { describe } from 'node:test'
import { appendContract } from './contract-append.ts'
import { consumeContract } from './contract-consume.ts'
import { limitsContract } from './contract-limits.ts'
import { queuesContract } from './contract-queues.ts'
import type { StreamHarnessFactory } from './contract-support.ts'

export type { StreamHarness, StreamHarnessFactory } from './contract-support.ts'

export function streamContract(name: string, factory: StreamHarnessFactory): void {
  describe(`EventStream contract: ${name}`, () => {
    appendContract(factory)
    consumeContract(factory)
    limitsContract(factory)
    queuesContract(factory)
  })
}
