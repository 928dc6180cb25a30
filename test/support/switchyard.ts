import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { Writable } from 'node:stream'
import { loadConfig } from '../../src/config/index.ts'
import { INGEST_TOPIC } from '../../src/spec/index.ts'
import { createLogger, startSwitchyard, type Switchyard } from '../../src/server/index.ts'
import { createSqliteDatabase, tempDir, type TestDatabase } from './services.ts'

export interface TestSwitchyard {
  readonly switchyard: Switchyard
  /** The owner token printed at first start. */
  readonly ownerToken: string
  /** Every log line written so far. */
  readonly logs: string[]
  readonly controlUrl: string
  readonly ingestUrl: string
  /** Every message stored in the ingest stream so far, in order. */
  storedMessages(): Promise<StoredMessage[]>
  /** Waits until at least `count` messages are stored (or throws after `timeoutMs`). */
  waitForMessages(count: number, timeoutMs?: number): Promise<StoredMessage[]>
  /** Creates an enabled source through the Public API and returns its id and write key. */
  createSource(slug: string, metadataId?: string): Promise<{ id: string; writeKey: string }>
  /** fetch against the control port's Public API, with the owner token unless `token` says otherwise. */
  api(path: string, init?: ApiInit): Promise<ApiResponse>
  stop(): Promise<void>
}

export interface StoredMessage {
  sourceId: string
  workspaceId: string
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary message fields
  message: Record<string, any>
}

export interface ApiInit {
  method?: string
  body?: unknown
  token?: string | null
  headers?: Record<string, string>
}

export interface ApiResponse {
  status: number
  headers: Headers
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  body: any
}

/**
 * Starts Switchyard in this process on free ports, with its own data directory and database
 * (SQLite unless `database` is given), and logs captured in memory.
 */
export async function startTestSwitchyard(
  options: { env?: Record<string, string>; database?: TestDatabase } = {},
): Promise<TestSwitchyard> {
  const database = options.database ?? createSqliteDatabase()
  // SQLite lives in the data dir; with PostgreSQL the data dir only holds the secret key.
  const dataDir = database.target.kind === 'sqlite' ? dirname(database.target.path) : tempDir()
  const env: Record<string, string> = {
    SWITCHYARD_DATA_DIR: dataDir,
    SWITCHYARD_INGEST_PORT: '0',
    SWITCHYARD_CONTROL_PORT: '0',
    SWITCHYARD_LOG_LEVEL: 'debug',
    ...(database.target.kind === 'postgres' && { SWITCHYARD_DATABASE_URL: database.target.url }),
    ...options.env,
  }
  const logs: string[] = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean))
      done()
    },
  })
  const config = loadConfig({ env })
  const switchyard = await startSwitchyard(config, createLogger(config.logLevel, sink))
  // Registers the group `storedMessages` reads with, so that retention keeps every record for it.
  await switchyard.stream?.read(INGEST_TOPIC, 'test-reader', { max: 1 })
  const controlUrl = switchyard.controlUrl!
  const ingestUrl = switchyard.ingestUrl!
  const ownerToken = switchyard.bootstrap.ownerTokenSecret ?? config.bootstrapToken!

  async function api(path: string, init: ApiInit = {}): Promise<ApiResponse> {
    const token = init.token === undefined ? ownerToken : init.token
    const headers: Record<string, string> = { ...init.headers }
    if (token !== null) headers.authorization = `Bearer ${token}`
    if (init.body !== undefined) headers['content-type'] = 'application/json'
    const response = await fetch(`${controlUrl}/api${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    })
    const text = await response.text()
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined }
  }

  async function storedMessages(): Promise<StoredMessage[]> {
    const records = await switchyard.stream!.read(INGEST_TOPIC, 'test-reader', {
      after: 0,
      max: 100_000,
      maxBytes: 1 << 30,
    })
    return records.map((r) => JSON.parse(String(r.value)) as StoredMessage)
  }

  async function waitForMessages(count: number, timeoutMs = 10_000): Promise<StoredMessage[]> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const messages = await storedMessages()
      if (messages.length >= count) return messages
      if (Date.now() > deadline) throw new Error(`expected ${count} stored messages, have ${messages.length}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  async function createSource(slug: string, metadataId = 'IqDTy1TpoU') {
    const r = await api('/sources', { method: 'POST', body: { slug, enabled: true, metadataId } })
    if (r.status !== 201) throw new Error(`createSource ${slug}: ${r.status} ${JSON.stringify(r.body)}`)
    return { id: r.body.data.source.id as string, writeKey: r.body.data.source.writeKeys[0] as string }
  }

  return {
    switchyard,
    ownerToken,
    storedMessages,
    waitForMessages,
    createSource,
    logs,
    controlUrl,
    ingestUrl,
    api,
    async stop() {
      await switchyard.stop()
      if (!options.database) await database.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}
