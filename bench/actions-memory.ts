/**
 * Prints, as JSON, the memory of a fresh process after importing Actions definitions: `ten` imports
 * ten widely used ones the way the delivery runtime does (one by one, each made a Destination); `all`
 * imports the package's index, which imports every definition. Run by `bench/actions.ts`.
 */
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const TEN = [
  'webhook',
  'amplitude',
  'mixpanel',
  'google-analytics-4',
  'braze',
  'hubspot',
  'customerio',
  'intercom',
  'slack',
  'segment',
]
const started = performance.now()
let definitions: number
if (process.argv[2] === 'all') {
  const { manifest } = require('@segment/action-destinations/dist/destinations') as { manifest: object }
  definitions = Object.keys(manifest).length
} else {
  const { Destination } = require('@segment/actions-core') as { Destination: new (d: unknown) => unknown }
  for (const dir of TEN) {
    const module = require(`@segment/action-destinations/dist/destinations/${dir}`) as { default: unknown }
    new Destination(module.default)
  }
  definitions = TEN.length
}
const ms = Math.round(performance.now() - started)
global.gc?.()
const { rss, heapUsed } = process.memoryUsage()
console.log(
  JSON.stringify({
    definitions,
    ms,
    rssMiB: Math.round(rss / 2 ** 20),
    heapMiB: Math.round(heapUsed / 2 ** 20),
  }),
)
