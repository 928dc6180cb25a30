export { loadConfig, type ConfigSources, type SwitchyardConfig } from './config.ts'
export { SETTINGS, ROLES, LOG_LEVELS, type Role, type LogLevel, type SettingName } from './settings.ts'
