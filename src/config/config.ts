import { SwitchyardError } from '../errors/index.ts'
import { SETTINGS, type SettingName, type SettingSpec } from './settings.ts'

type ValueOf<S> = S extends SettingSpec<infer T> ? T : never

/** The whole configuration of one process, read once at start and passed down. */
export type SwitchyardConfig = Readonly<{ [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> }>

export interface ConfigSources {
  /** Usually `process.env`. Only `SWITCHYARD_*` names are read. */
  env?: Readonly<Record<string, string | undefined>>
  /** Parsed CLI flags by flag name (`ingest-port`); flags win over the environment. */
  flags?: Readonly<Record<string, string | undefined>>
}

/**
 * Builds the configuration from defaults, then the environment, then CLI flags. Pure: it reads
 * nothing but its arguments. A bad value throws `SY_CONFIG_INVALID` naming the variable and the rule.
 */
export function loadConfig({ env = {}, flags = {} }: ConfigSources = {}): SwitchyardConfig {
  const config: Record<string, unknown> = {}
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec<unknown>][]) {
    const fromFlag = flags[spec.flag]
    const raw = fromFlag ?? env[spec.env]
    if (raw === undefined) {
      config[name] = spec.default
      continue
    }
    const source = fromFlag !== undefined ? `--${spec.flag}` : spec.env
    try {
      config[name] = spec.parse(raw.trim())
    } catch (e) {
      const shown = spec.secret ? '' : ` (got "${raw}")`
      throw new SwitchyardError('SY_CONFIG_INVALID', `${source} ${(e as Error).message}${shown}`, {
        field: source,
      })
    }
  }
  const result = config as SwitchyardConfig
  if (result.ingestPort === result.controlPort && result.ingestPort !== 0) {
    throw new SwitchyardError(
      'SY_CONFIG_INVALID',
      `${SETTINGS.ingestPort.env} and ${SETTINGS.controlPort.env} must differ (both are ${result.ingestPort})`,
      { field: SETTINGS.controlPort.env },
    )
  }
  return Object.freeze(result)
}
