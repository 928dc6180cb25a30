import { parseArgs } from 'node:util'
import { loadConfig, SETTINGS, type SwitchyardConfig } from '../config/index.ts'
import { isSwitchyardError } from '../errors/index.ts'
import { createLogger, openMigratedStore, startSwitchyard } from '../server/index.ts'
import { issueApiToken, SYSTEM_ACTOR, type TokenRole } from '../store/index.ts'
import { replay } from './replay.ts'
import { createUser } from './user-create.ts'
import { warehouseSync } from './warehouse-sync.ts'
import { UsageError } from './usage-error.ts'

const HELP = `Usage: switchyard <command> [options]

Commands:
  start                 Run Switchyard (all roles unless --roles says otherwise)
  migrate               Bring the control-plane database schema up to date, then exit
  token create          Create an API token in the default workspace and print its secret once
                          --description <text>   what the token is for (required)
                          --role owner|member    Workspace Owner (default) or Workspace Member
  user create           Create a web app user, Workspace Owner of the default workspace
                          --email <address>      the login (required)
                          --name <text>          display name (default: the part before @)
                          --password-stdin       read the password from stdin (required;
                                                 12 characters or more)
  replay                Re-send a source's archived messages to its destinations (a worker runs it)
                          --source <id>          the source (required)
                          --from <iso> --to <iso>  received from (included) to (excluded) (required)
                          --destination <id>     a destination of the source; repeat for more
                                                 (default: all its enabled destinations)
                          --type <type>          only this call type; repeat for more
                          --event <name>         only this track event; repeat for more
                          --detach               queue it and exit instead of showing progress
  warehouse-sync        Sync a warehouse now and show its progress (a worker runs it)
                          --warehouse <id>       the warehouse (required)
                          --detach               ask for it and exit instead of showing progress
  help                  Show this help

Options (each also read from its environment variable):
${Object.values(SETTINGS)
  .map((s) => `  --${s.flag.padEnd(22)}${s.env}`)
  .join('\n')}
`

const COMMAND_OPTIONS = {
  description: { type: 'string' },
  role: { type: 'string' },
  source: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  destination: { type: 'string', multiple: true },
  type: { type: 'string', multiple: true },
  event: { type: 'string', multiple: true },
  detach: { type: 'boolean' },
  warehouse: { type: 'string' },
  email: { type: 'string' },
  name: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

function parseCommandLine(argv: string[]) {
  const settingOptions = Object.fromEntries(
    Object.values(SETTINGS).map((s) => [s.flag, { type: 'string' as const }]),
  )
  const { values, positionals } = parseArgs({
    args: argv,
    options: { ...settingOptions, ...COMMAND_OPTIONS },
    allowPositionals: true,
  })
  const flags: Record<string, string | undefined> = {}
  for (const s of Object.values(SETTINGS))
    flags[s.flag] = values[s.flag as keyof typeof values] as string | undefined
  return { positionals, flags, values }
}

async function start(config: SwitchyardConfig): Promise<void> {
  const logger = createLogger(config.logLevel)
  const switchyard = await startSwitchyard(config, logger)
  printBanner(switchyard.ingestUrl, switchyard.controlUrl, switchyard.bootstrap)

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'stopping: no new requests, finishing in-flight ones')
    setTimeout(() => {
      logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown took too long; exiting anyway')
      process.exit(1)
    }, config.shutdownTimeoutMs).unref()
    switchyard.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'shutdown failed')
        process.exit(1)
      },
    )
  }
  process.once('SIGTERM', () => shutdown('SIGTERM'))
  process.once('SIGINT', () => shutdown('SIGINT'))
}

/** The human summary, on stderr so that stdout stays one JSON log line per line. */
function printBanner(
  ingestUrl: string | undefined,
  controlUrl: string | undefined,
  bootstrap: Awaited<ReturnType<typeof startSwitchyard>>['bootstrap'],
): void {
  const lines = ['', 'Switchyard is running.']
  if (ingestUrl) lines.push(`  Collector (Tracking API)   ${ingestUrl}/v1`)
  if (controlUrl) {
    lines.push(`  Web app                    ${controlUrl}/`)
    lines.push(`  Public API                 ${controlUrl}/api`)
    lines.push(`  Metrics                    ${controlUrl}/metrics`)
  }
  if (bootstrap.created) {
    lines.push('', `First start: created the workspace "${bootstrap.workspace.name}".`)
    if (bootstrap.ownerTokenSecret) {
      lines.push(
        '  Owner API token (shown this once; store it now):',
        `    ${bootstrap.ownerTokenSecret}`,
        `  Try:  curl -H "Authorization: Bearer <token>" ${controlUrl ?? 'http://localhost:8081'}/api/sources`,
      )
    } else {
      lines.push('  Its owner API token is the one given in SWITCHYARD_BOOTSTRAP_TOKEN.')
    }
  }
  lines.push('  Lost the token? `npm run switchyard -- token create --description "new owner token"`', '')
  process.stderr.write(lines.join('\n') + '\n')
}

async function migrate(config: SwitchyardConfig): Promise<void> {
  const logger = createLogger(config.logLevel)
  const store = await openMigratedStore(config, logger)
  await store.close()
}

async function createToken(
  config: SwitchyardConfig,
  description: string | undefined,
  role: string | undefined,
) {
  if (!description?.trim()) throw new UsageError('token create needs --description "<what the token is for>"')
  const roles: Record<string, TokenRole> = { owner: 'Workspace Owner', member: 'Workspace Member' }
  const tokenRole = roles[role ?? 'owner']
  if (!tokenRole) throw new UsageError('--role must be owner or member')
  const store = await openMigratedStore(config, createLogger('warn'))
  try {
    const workspace = await store.workspaces.first()
    if (!workspace) throw new UsageError('No workspace yet: run `switchyard start` once first')
    const { token, secret } = await store.transaction((tx) =>
      issueApiToken(
        tx,
        { workspaceId: workspace.id, description, role: tokenRole },
        { ...SYSTEM_ACTOR, name: 'Switchyard CLI' },
      ),
    )
    process.stdout.write(
      `Created token ${token.id} (${token.role}) in workspace "${workspace.name}".\n${secret}\n`,
    )
  } finally {
    await store.close()
  }
}

async function main(argv: string[]): Promise<void> {
  const { positionals, flags, values } = parseCommandLine(argv)
  const [command = 'help', sub] = positionals
  if (values.help || command === 'help') {
    process.stdout.write(HELP)
    return
  }
  const config = loadConfig({ env: process.env, flags })
  if (command === 'start') return start(config)
  if (command === 'migrate') return migrate(config)
  if (command === 'token' && sub === 'create') return createToken(config, values.description, values.role)
  if (command === 'user' && sub === 'create') return createUser(config, values)
  if (command === 'replay') {
    process.exitCode = await replay(config, values)
    return
  }
  if (command === 'warehouse-sync') {
    process.exitCode = await warehouseSync(config, values)
    return
  }
  throw new UsageError(`Unknown command "${positionals.join(' ')}"`)
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\n\n${HELP}`)
  } else if (isSwitchyardError(e)) {
    process.stderr.write(`${e.code}: ${e.message}\n`)
  } else {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`)
  }
  process.exit(e instanceof UsageError ? 2 : 1)
})
