export { aggregateUsage } from './aggregate.ts'
export { MeteringConsumer, METERING_CONSUMER, type MeteringOptions } from './consumer.ts'
