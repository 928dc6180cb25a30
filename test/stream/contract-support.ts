import type { EventStream, StreamDeps, StreamOverrides } from '../../src/stream/index.ts'

/** One isolated store (a temp dir, a JetStream account…) that can be opened, closed and reopened. */
export interface StreamHarness {
  /** Opens a stream on this harness's storage; opening again after close sees the same data. */
  open(overrides?: StreamOverrides, deps?: StreamDeps): Promise<EventStream>
  /** Removes the storage. */
  cleanup(): Promise<void>
}

/** Makes a fresh, empty harness for each test. */
export type StreamHarnessFactory = () => Promise<StreamHarness>

/** A clock the test moves by hand. */
export class TestClock {
  constructor(public ms = Date.UTC(2025, 0, 1)) {}
  now(): number {
    return this.ms
  }
  advance(ms: number): void {
    this.ms += ms
  }
}

export const HOUR_MS = 60 * 60 * 1000

/** Defaults for contract tests: no background retention, no health cache. */
export const TEST_OVERRIDES: StreamOverrides = {
  retention: { intervalMs: 0 },
  limits: { checkIntervalMs: 0, minFreeDiskBytes: 0 },
}

export function withTestDefaults(overrides: StreamOverrides = {}): StreamOverrides {
  return {
    ...TEST_OVERRIDES,
    ...overrides,
    retention: { ...TEST_OVERRIDES.retention, ...overrides.retention },
    limits: { ...TEST_OVERRIDES.limits, ...overrides.limits },
  }
}

/**
 * Runs `body` with a fresh harness, closing every stream it opened and removing the storage after.
 */
export async function withHarness(
  factory: StreamHarnessFactory,
  body: (open: StreamHarness['open']) => Promise<void>,
): Promise<void> {
  const harness = await factory()
  const opened: EventStream[] = []
  const open: StreamHarness['open'] = async (overrides, deps) => {
    const stream = await harness.open(withTestDefaults(overrides), deps)
    opened.push(stream)
    return stream
  }
  try {
    await body(open)
  } finally {
    for (const stream of opened) await stream.close()
    await harness.cleanup()
  }
}

export const text = (value: string | Uint8Array): string =>
  typeof value === 'string' ? value : Buffer.from(value).toString('utf8')

export const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i)
