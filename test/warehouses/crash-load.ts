/**
 * Loads `crashBatch(count)` and prints `loading` just before: the loaders test kills this process
 * part way through. Arguments: the connection as JSON, schema, table, count.
 */
import { openWarehouseLoader, type WarehouseConnection } from '../../src/warehouses/loaders/index.ts'
import { CRASH_COLUMNS, crashBatch } from './engines.ts'

const [connection, schema, table, count] = process.argv.slice(2)
const loader = openWarehouseLoader(JSON.parse(connection!) as WarehouseConnection)
const rows = crashBatch(Number(count))
await loader.testConnection()
process.stdout.write('loading\n')
const { inserted } = await loader.load(schema!, table!, CRASH_COLUMNS, rows)
process.stdout.write(`done ${inserted}\n`)
await loader.close()
