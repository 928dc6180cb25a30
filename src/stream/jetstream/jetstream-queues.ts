import type { WorkQueues } from '../queues.ts'

/** Work queues are not built on JetStream yet: every call says so. */
export class JetStreamQueuesUnavailable implements WorkQueues {
  #unavailable(): Promise<never> {
    return Promise.reject(new Error('work queues are not available on the JetStream stream yet'))
  }
  enqueue = () => this.#unavailable()
  claim = () => this.#unavailable()
  ack = () => this.#unavailable()
  retry = () => this.#unavailable()
  park = () => this.#unavailable()
  listParked = () => this.#unavailable()
  unpark = () => this.#unavailable()
  stats = () => this.#unavailable()
  purge = () => this.#unavailable()
}
