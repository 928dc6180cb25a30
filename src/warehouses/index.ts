/**
 * Warehouses: Segment's schema (pure), and later the loaders, syncs and lake export that apply it.
 */
export * from './schema/index.ts'
