import { existsSync } from 'node:fs'
import { chromium, type Browser } from 'playwright-core'
import { IN_CI } from './services.ts'

export const CHROMIUM = process.env.SWITCHYARD_TEST_CHROMIUM ?? '/usr/bin/chromium'

/** Undefined when Debian's Chromium is installed; otherwise why browser tests skip. Throws under CI=true. */
export function chromiumUnavailable(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined
  const reason = `Chromium is not installed at ${CHROMIUM} (apt-get install chromium, or set SWITCHYARD_TEST_CHROMIUM)`
  if (IN_CI) throw new Error(`CI=true and ${reason}`)
  return reason
}

/** Headless Chromium with no network of its own (this machine's network is closed). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}
